/**
 * What the station page may change, wired from the station: a driver's feedback (with the journal) and, when
 * `web.operatorPasswordHash` is set, the operator's actions through the station's own inputs.
 */
import { gzipSync } from 'node:zlib';
import type { Clock } from '../clock.js';
import type { StationConfig } from '../config/schema.js';
import type { Journal } from '../journal/journal.js';
import type { Logger } from '../logger.js';
import { isOcpp201, type StationUplink } from './uplink.js';
import type { JournalFigures } from '../web/metrics-data.js';
import type { DiagnosticsBundle, OperatorActionDeps } from '../web/operator/actions.js';
import type { PageActions } from '../web/page-actions.js';
import type { UplinkView } from '../web/sources.js';
import type { Station } from './station.js';
import { EvseError, EvseErrorCode } from '../errors.js';

export interface PageActionDeps {
  readonly station: Pick<Station, 'controller' | 'connectedSessionId' | 'counters' | 'load'>;
  readonly journal: Journal;
  readonly config: StationConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The uplink once it exists (null: standalone, or not yet). */
  readonly uplink: () => StationUplink | null;
  readonly uplinkStatus?: () => Promise<UplinkView | null>;
  readonly journalFigures?: () => Promise<JournalFigures>;
}

/** The GetDiagnostics bundle of the uplink; a standalone station builds the same from what it has. */
async function diagnostics(deps: PageActionDeps): Promise<DiagnosticsBundle> {
  const uplink = deps.uplink();
  // GetDiagnostics' bundle over 1.6; over 2.0.1 (no such module yet) and standalone, the same built from the station.
  if (uplink !== null && !isOcpp201(uplink)) return uplink.firmware.diagnosticsBundle();
  const at = new Date(deps.clock.nowMs()).toISOString();
  const identity = deps.config.ocpp.chargePointId ?? deps.config.station.id;
  const body = { identity, generatedAt: at, station: deps.config.station, alerts: await deps.journal.alerts(), journal: deps.journal.openReport };
  return { fileName: `diagnostics-${identity}-${at.replace(/[:.]/g, '-')}.json.gz`, bytes: gzipSync(JSON.stringify(body)) };
}

export function stationPageActions(deps: PageActionDeps): PageActions {
  const { station, journal, clock, logger } = deps;
  const onError = (message: string): void => logger.error(message);
  const operator: OperatorActionDeps | null =
    deps.config.web.operatorPasswordHash === undefined
      ? null
      : {
          controls: station.controller,
          journal,
          alerts: journal,
          load: station.load,
          alertErrorStatus: (err) =>
            err instanceof EvseError && err.code === EvseErrorCode.AlertNotFound
              ? 404
              : err instanceof EvseError && err.code === EvseErrorCode.AlertStateInvalid
                ? 409
                : null,
          counts: () => station.counters(),
          ...(deps.uplinkStatus ? { uplinkStatus: deps.uplinkStatus } : {}),
          ...(deps.journalFigures ? { journalFigures: deps.journalFigures } : {}),
          diagnostics: () => diagnostics(deps),
          onError,
        };
  return {
    feedback: {
      journal,
      clock,
      connectedSessionId: () => station.connectedSessionId(),
      outboxChanged: () => deps.uplink()?.outboxChanged(),
      onError,
    },
    operator,
    onError,
  };
}
