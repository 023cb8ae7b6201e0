import type { ComponentChildren, VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { icon, stylesheet } from './assets.js';

export type Section = 'fleet' | 'validate' | 'repo' | 'sign-in' | 'error';

export interface LayoutProps {
  title: string;
  section: Section;
  /** When set, the header offers a sign-out form carrying this CSRF token. */
  signOutCsrf?: string;
  children: ComponentChildren;
}

const NAV: ReadonlyArray<{ section: Section; href: string; label: string }> = [
  { section: 'fleet', href: '/', label: 'Fleet' },
  { section: 'validate', href: '/ui/validate', label: 'Validate' },
];

/** The page shell: one stylesheet, no script, a header linking the pages and Swagger UI. */
export function Layout({ title, section, signOutCsrf, children }: LayoutProps): VNode {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · kaizen-schedule`}</title>
        <link rel="stylesheet" href={stylesheet.path} />
        <link rel="icon" href={icon.path} type="image/svg+xml" />
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="site">
          <a class="brand" href="/">kaizen-schedule</a>
          <nav aria-label="Console">
            <ul>
              {NAV.map((item) => (
                <li>
                  <a href={item.href} aria-current={item.section === section ? 'page' : undefined}>{item.label}</a>
                </li>
              ))}
              <li><a href="/docs">API (Swagger UI)</a></li>
            </ul>
          </nav>
          {signOutCsrf !== undefined && (
            <form method="post" action="/ui/sign-out">
              <input type="hidden" name="_csrf" value={signOutCsrf} />
              <button type="submit">Sign out</button>
            </form>
          )}
        </header>
        <main id="main">{children}</main>
      </body>
    </html>
  );
}

/** A whole document: preact escapes every text child and attribute value. */
// A NUL (say from a query value shown back) is never written: HTML has no place for one.
export const renderPage = (page: VNode): string => `<!doctype html>${renderToString(page)}`.replace(/\0/g, '\uFFFD');
