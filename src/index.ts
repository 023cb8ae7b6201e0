/**
 * The package's core entry point (`import … from 'kaizen-schedule'`): manifest
 * validation and next runs, the fleet resolver and prepare bundles, with no
 * HTTP in sight. The Fastify app factory is `kaizen-schedule/app`.
 */
export { ConfigError, loadConfig, type Config } from './config/config.js';
export { createServices, type Services } from './services.js';
/** The service's route links, which createServices takes (the prepare_url discover emits). */
export { ROUTE_LINKS } from './http/paths.js';
export { validateManifest, type ValidateOptions } from './manifest/validate.js';
export { listEntries, resolveEntry, upcomingRuns, type ListedEntry, type ResolvedEntry, type ScheduleDefaults } from './manifest/entries.js';
export { nextRuns, checkCron } from './manifest/cron.js';
export { CADENCES, DIAGNOSTIC_CODES, type Cadence, type Diagnostic, type Manifest, type ManifestEntry, type ValidationResult } from './manifest/types.js';
export { discover, type DiscoverDeps, type DiscoverOptions } from './discover/resolve.js';
export { buildBundle, type Bundle } from './prepare/bundle.js';
export { renderMarkdown } from './prepare/markdown.js';
export { DOMAIN_ERROR_CODES, DomainError, isDomainError, type DomainErrorCode } from './errors.js';
