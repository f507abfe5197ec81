import type { Command } from 'commander';
import { loadConfigFile } from '../config/load.js';
import { EvseError, EvseErrorCode } from '../errors.js';
import { browsableHost, webConfigSchema } from '../web/config.js';
import { renderStatusText } from '../web/status-text.js';
import type { StationStatusView } from '../web/status-view.js';

interface StatusOptions {
  readonly url?: string;
  readonly config?: string;
  readonly json?: boolean;
  readonly timeout: number;
}

/** Where the running station's status page is: --url, else web.host/web.port of the config, else the default. */
export function statusUrl(opts: { readonly url?: string; readonly config?: string }): URL {
  if (opts.url !== undefined) {
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      throw new EvseError(EvseErrorCode.InvalidArgument, `--url must be an http URL such as http://127.0.0.1:8080/, got ${JSON.stringify(opts.url)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new EvseError(EvseErrorCode.InvalidArgument, `--url must be an http URL such as http://127.0.0.1:8080/, got ${JSON.stringify(opts.url)}`);
    }
    return url;
  }
  const web = opts.config !== undefined ? loadConfigFile(opts.config).web : webConfigSchema.parse({});
  return new URL(`http://${browsableHost(web.host)}:${web.port}/`);
}

/** Enough of the shape to trust the rest: the page of an evse station, not another server on that port. */
function looksLikeStatus(body: unknown): body is StationStatusView {
  if (typeof body !== 'object' || body === null) return false;
  const { station, status, guidance } = body as Record<string, unknown>;
  return (
    typeof status === 'string' &&
    typeof station === 'object' && station !== null && typeof (station as Record<string, unknown>)['id'] === 'string' &&
    typeof guidance === 'object' && guidance !== null
  );
}

/** `evse status`: the running station's state, cost and faults, read from its status page's JSON API. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("print the running station's state, session cost and faults (from its status page)")
    .option('--url <url>', 'the status page (default: from --config, else http://127.0.0.1:8080/)')
    .option('--config <file>', 'station config: web.host and web.port say where the page is')
    .option('--json', 'print the JSON of /api/status')
    .option('--timeout <s>', 'seconds to wait for an answer', (v) => {
      const n = Number(v);
      if (!(n > 0)) throw new EvseError(EvseErrorCode.InvalidArgument, `--timeout must be a number of seconds > 0, got ${JSON.stringify(v)}`);
      return n;
    }, 3)
    .action(async (opts: StatusOptions) => {
      const base = statusUrl(opts);
      const api = new URL('api/status', base);
      let response: Response;
      try {
        response = await fetch(api, { signal: AbortSignal.timeout(opts.timeout * 1000) });
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
        throw new EvseError(
          EvseErrorCode.StationUnreachable,
          `no station answers at ${base.href} (${cause}); is evse running (systemctl status evse) with web.enabled, and is this its web.port?`,
        );
      }
      if (!response.ok) throw new EvseError(EvseErrorCode.StationUnreachable, `${api.href} answered HTTP ${response.status}`);
      const body: unknown = await response.json().catch(() => null);
      if (!looksLikeStatus(body)) throw new EvseError(EvseErrorCode.StationUnreachable, `${api.href} did not answer with an evse status (is this the station's web.port?)`);
      const view = body;
      process.stdout.write(opts.json ? `${JSON.stringify(view, null, 2)}\n` : renderStatusText(view));
    });
}
