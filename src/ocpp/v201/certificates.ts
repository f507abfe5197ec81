/**
 * M03–M05: the CA certificates the CSMS installs (InstallCertificate), lists (GetInstalledCertificateIds) and
 * deletes (DeleteCertificate). Each is a PEM file under `<stateDir>/certificates/<certificateType>/<sha256 of its
 * DER>.pem`, written to a temporary name and renamed, so a crash never leaves half a certificate. Only root
 * certificates are taken (self-issued, self-signed, CA, not expired): every installable type is a root. The
 * CSMSRootCertificates are trusted for the TLS link (profiles 2 and 3) from the next start, beside `ocpp.caFile`;
 * the last one cannot be deleted while the link depends on it.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { matchesHashData, rootCertificateHashData, type CertificateHashData } from './certificate-hash.js';

export const CERTIFICATE_TYPES = ['V2GRootCertificate', 'MORootCertificate', 'CSMSRootCertificate', 'ManufacturerRootCertificate'] as const;
export type CertificateType = (typeof CERTIFICATE_TYPES)[number];

/** At most this many certificates of all types (SecurityCtrlr.MaxCertificateChainSize is about chains, not this). */
export const MAX_CERTIFICATES = 20;

export interface InstalledCertificate {
  readonly type: CertificateType;
  readonly certificate: X509Certificate;
  readonly pem: string;
  readonly path: string;
}

export type InstallOutcome =
  /** `added` false: it was installed already (nothing changed). */
  | { readonly status: 'Accepted'; readonly added: boolean }
  | { readonly status: 'Rejected'; readonly reasonCode: 'InvalidCertificate' | 'NotRootCertificate' | 'CertificateExpired' | 'OutOfStorage' }
  | { readonly status: 'Failed'; readonly reasonCode: 'WriteError' };

export class CertificateStore {
  constructor(
    private readonly dir: string,
    private readonly nowMs: () => number,
  ) {}

  /** Every readable certificate on disk (an unreadable file is skipped, never fatal). */
  async list(types: readonly CertificateType[] = CERTIFICATE_TYPES): Promise<InstalledCertificate[]> {
    const found: InstalledCertificate[] = [];
    for (const type of types) {
      const folder = join(this.dir, type);
      const names = await readdir(folder).catch(() => [] as string[]);
      for (const name of names.filter((n) => n.endsWith('.pem')).sort()) {
        const path = join(folder, name);
        try {
          const pem = await readFile(path, 'utf8');
          found.push({ type, certificate: new X509Certificate(pem), pem, path });
        } catch {
          // A file that is not a certificate (a leftover, a manual edit) is not one of ours to report.
        }
      }
    }
    return found;
  }

  async install(type: CertificateType, pem: string): Promise<InstallOutcome> {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(pem);
    } catch {
      return { status: 'Rejected', reasonCode: 'InvalidCertificate' };
    }
    if (!certificate.ca || !certificate.checkIssued(certificate) || !certificate.verify(certificate.publicKey)) {
      return { status: 'Rejected', reasonCode: 'NotRootCertificate' };
    }
    if (Date.parse(certificate.validTo) <= this.nowMs()) return { status: 'Rejected', reasonCode: 'CertificateExpired' };
    const fingerprint = createHash('sha256').update(certificate.raw).digest('hex');
    const folder = join(this.dir, type);
    const path = join(folder, `${fingerprint}.pem`);
    const installed = await this.list();
    if (installed.some((c) => c.path === path)) return { status: 'Accepted', added: false };
    if (installed.length >= MAX_CERTIFICATES) return { status: 'Rejected', reasonCode: 'OutOfStorage' };
    try {
      await mkdir(folder, { recursive: true });
      await writeFile(`${path}.tmp`, certificate.toString(), { mode: 0o644 });
      await rename(`${path}.tmp`, path);
    } catch {
      return { status: 'Failed', reasonCode: 'WriteError' };
    }
    return { status: 'Accepted', added: true };
  }

  /** The installed certificates `wanted` names (normally one). */
  async find(wanted: CertificateHashData): Promise<InstalledCertificate[]> {
    return (await this.list()).filter((c) => matchesHashData(c.certificate, wanted));
  }

  async remove(certificate: InstalledCertificate): Promise<void> {
    await rm(certificate.path);
  }
}

/** The hash data of an installed certificate, as GetInstalledCertificateIds reports it. */
export function hashDataOf(installed: InstalledCertificate): CertificateHashData {
  return rootCertificateHashData(installed.certificate);
}
