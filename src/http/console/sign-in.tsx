import type { FastifyInstance } from 'fastify';
import type { VNode } from 'preact';
import { Type, type Static } from 'typebox';
import { tokenMatcher } from '../plugins/auth.js';
import { sendPage, type ConsoleContext } from './context.js';
import { Layout } from './layout.js';
import { SESSION_COOKIE, SESSION_TTL_S, newSessionValue } from './session.js';
import { INVALID_TOKEN_CHALLENGE } from '../plugins/auth.js';

const SignInForm = Type.Object(
  {
    token: Type.String({ maxLength: 4096 }),
    _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

function SignInView({ csrf, failed }: { csrf: string; failed: boolean }): VNode {
  return (
    <Layout title="Sign in" section="sign-in">
      <h1>Sign in</h1>
      <p>This service is protected by API tokens. Enter one of them to open the console; it is sent once, in the form body, and the console keeps a signed session cookie instead.</p>
      {failed && (
        <p class="notice bad" role="alert">That token is not valid.</p>
      )}
      <form method="post" action="/ui/sign-in">
        <input type="hidden" name="_csrf" value={csrf} />
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required />
        <p><button type="submit">Sign in</button></p>
      </form>
    </Layout>
  );
}

/** Route config of the routes that need no session: the sign-in form and the stylesheet. */
export const PUBLIC = { console: { public: true } };

declare module 'fastify' {
  interface FastifyContextConfig {
    console?: { public?: boolean };
  }
}

export function signInPages(app: FastifyInstance, ctx: ConsoleContext): void {
  const matches = tokenMatcher(ctx.services.config.apiTokens);

  app.get('/ui/sign-in', { schema: { hide: true }, config: PUBLIC }, async (_request, reply) => {
    if (!ctx.auth) return reply.redirect('/', 303);
    return sendPage(reply, <SignInView csrf={reply.generateCsrf()} failed={false} />);
  });

  app.post<{ Body: Static<typeof SignInForm> }>(
    '/ui/sign-in',
    { schema: { hide: true, body: SignInForm }, config: PUBLIC, bodyLimit: 16 * 1024, ...(ctx.auth ? { preHandler: app.csrfProtection } : {}) },
    async (request, reply) => {
      if (!ctx.auth) return reply.redirect('/', 303);
      // The form again, with the message; 401 so access logs and metrics show failed sign-ins.
      if (!matches(request.body.token)) {
        reply.header('www-authenticate', INVALID_TOKEN_CHALLENGE);
        return sendPage(reply, <SignInView csrf={reply.generateCsrf()} failed={true} />, 401);
      }
      reply.setCookie(SESSION_COOKIE, newSessionValue(Date.now()), { signed: true, httpOnly: true, sameSite: 'strict', secure: ctx.secure, path: '/', maxAge: SESSION_TTL_S });
      return reply.redirect('/', 303);
    },
  );

  app.post('/ui/sign-out', { schema: { hide: true }, ...(ctx.auth ? { preHandler: app.csrfProtection } : {}) }, async (request, reply) => {
    // Remembered until it would have expired anyway, so a copy of the cookie opens nothing here.
    const raw = request.cookies[SESSION_COOKIE];
    const session = raw === undefined ? undefined : request.unsignCookie(raw);
    if (session?.valid && session.value !== null) ctx.signedOut.set(session.value, true, { ttl: SESSION_TTL_S * 1000 });
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect(ctx.auth ? '/ui/sign-in' : '/', 303);
  });
}
