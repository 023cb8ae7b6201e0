import type { FastifyInstance } from 'fastify';
import type { VNode } from 'preact';
import { Type, type Static } from 'typebox';
import type { ValidationResult } from '../../manifest/types.js';
import { validateManifest } from '../../manifest/validate.js';
import { plural } from './format.js';
import { sendPage, signOutCsrf, type ConsoleContext } from './context.js';
import { Layout } from './layout.js';
import { Source } from './source.js';

/** The API's limit on a manifest sent for validation, plus room for the form encoding. */
const MAX_FORM_BODY = 3 * 256 * 1024;

const ValidateForm = Type.Object(
  {
    manifest: Type.String({ maxLength: 256 * 1024 }),
    _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

interface ValidateViewProps {
  csrf?: string;
  text: string;
  result?: ValidationResult;
  signOut: { signOutCsrf?: string };
}

function ValidateView({ csrf, text, result, signOut }: ValidateViewProps): VNode {
  return (
    <Layout title="Validate" section="validate" {...signOut}>
      <h1>Validate a manifest</h1>
      <p>
        Paste a <code>.kaizen/schedule.yml</code> and submit: the service checks it as <code>POST /v1/schedule/validate</code> does (packaged agents count as known).
      </p>
      {result && (
        <section aria-labelledby="result">
          <h2 id="result">Result</h2>
          <p class={`notice ${result.valid ? 'ok' : 'bad'}`} role="status">
            {result.valid ? 'Valid' : 'Invalid'}: {plural(result.errors.length, 'error')}, {plural(result.warnings.length, 'warning')}
            {result.truncated ? ' (only the first 100 of each are listed)' : ''}.
          </p>
          <Source text={text} diagnostics={[...result.errors, ...result.warnings]} caption="The submitted manifest" />
        </section>
      )}
      <form method="post" action="/ui/validate">
        {csrf !== undefined && <input type="hidden" name="_csrf" value={csrf} />}
        <label for="manifest">Manifest (YAML)</label>
        <textarea id="manifest" name="manifest" required spellcheck={false} maxLength={256 * 1024}>
          {/* HTML drops a newline right after <textarea>: this one, so a text's own leading newline stays. */}
          {`\n${text}`}
        </textarea>
        <p><button type="submit">Validate</button></p>
      </form>
    </Layout>
  );
}

export function validatePage(app: FastifyInstance, ctx: ConsoleContext): void {
  const csrf = (reply: Parameters<typeof signOutCsrf>[1]): string | undefined => (ctx.auth ? reply.generateCsrf() : undefined);

  app.get('/ui/validate', { schema: { hide: true } }, async (_request, reply) =>
    sendPage(reply, <ValidateView csrf={csrf(reply)} text="" signOut={signOutCsrf(ctx, reply)} />),
  );

  app.post<{ Body: Static<typeof ValidateForm> }>(
    '/ui/validate',
    {
      bodyLimit: MAX_FORM_BODY,
      schema: { hide: true, body: ValidateForm },
      // CSRF matters only when there is a session to ride on.
      ...(ctx.auth ? { preHandler: app.csrfProtection } : {}),
    },
    async (request, reply) => {
      const text = request.body.manifest;
      const result = validateManifest(text, { knownAgents: ctx.services.agents.knownNames(undefined) });
      // 200 either way: the verdict is in the page (the API answers 422), and a browser logs a non-2xx page load as an error.
      return sendPage(reply, <ValidateView csrf={csrf(reply)} text={text} result={result} signOut={signOutCsrf(ctx, reply)} />);
    },
  );
}
