/**
 * InstallCertificate (M05), GetInstalledCertificateIds (M03) and DeleteCertificate (M04) on the certificate store.
 * A deletion that would leave a TLS link (security profile 2 or 3) without any CSMS root it was set up with (no
 * `ocpp.caFile`, no other CSMSRootCertificate) is Failed, as M04 forbids deleting the certificate in use.
 */
import type { Logger } from '../../logger.js';
import type { CertificateHashData } from './certificate-hash.js';
import { hashDataOf, type CertificateStore, type CertificateType } from './certificates.js';

export interface CertificateHandlerDeps {
  readonly store: CertificateStore;
  readonly securityProfile: number;
  /** `ocpp.caFile` is set: the TLS link has a trust anchor outside the store. */
  readonly hasConfiguredCa: boolean;
  readonly logger: Logger;
  /** Journals a security event (A04). */
  readonly securityEvent: (type: string, techInfo: string) => Promise<void>;
}

type Handler = (params: Record<string, unknown>) => Promise<Record<string, unknown>>;

export function certificateHandlers(deps: CertificateHandlerDeps): Record<string, Handler> {
  const { store, logger } = deps;
  return {
    InstallCertificate: async (params) => {
      const type = params['certificateType'] as CertificateType;
      const outcome = await store.install(type, params['certificate'] as string);
      logger.info({ type, ...outcome }, 'InstallCertificate');
      if (outcome.status === 'Accepted' && outcome.added) await deps.securityEvent('ReconfigurationOfSecurityParameters', `${type} installed`);
      return outcome.status === 'Accepted' ? { status: 'Accepted' } : { status: outcome.status, statusInfo: { reasonCode: outcome.reasonCode } };
    },
    GetInstalledCertificateIds: async (params) => {
      const types = params['certificateType'] as CertificateType[] | undefined;
      // V2GCertificateChain is never installed here (no ISO 15118): asking for it alone finds nothing.
      const installed = await store.list(types === undefined ? undefined : types.filter((t) => t !== ('V2GCertificateChain' as string)));
      if (installed.length === 0) return { status: 'NotFound' };
      return { status: 'Accepted', certificateHashDataChain: installed.map((c) => ({ certificateType: c.type, certificateHashData: hashDataOf(c) })) };
    },
    DeleteCertificate: async (params) => {
      const wanted = params['certificateHashData'] as CertificateHashData;
      const found = await store.find(wanted);
      if (found.length === 0) return { status: 'NotFound' };
      const csmsRoots = (await store.list(['CSMSRootCertificate'])).length;
      const removingRoots = found.filter((c) => c.type === 'CSMSRootCertificate').length;
      if (deps.securityProfile >= 2 && !deps.hasConfiguredCa && removingRoots > 0 && removingRoots >= csmsRoots) {
        return { status: 'Failed', statusInfo: { reasonCode: 'CertificateInUse', additionalInfo: 'the last CSMS root of the TLS link' } };
      }
      try {
        for (const c of found) await store.remove(c);
      } catch (err) {
        logger.error({ error: (err as Error).message }, 'could not delete a certificate');
        return { status: 'Failed', statusInfo: { reasonCode: 'WriteError' } };
      }
      await deps.securityEvent('ReconfigurationOfSecurityParameters', `${found.map((c) => c.type).join(',')} deleted`);
      return { status: 'Accepted' };
    },
  };
}
