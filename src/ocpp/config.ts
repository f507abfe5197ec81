import { z } from 'zod';

/** The OCPP versions a station can be configured for. */
export const OCPP_VERSIONS = ['1.6', '2.0.1'] as const;
export type OcppVersion = (typeof OCPP_VERSIONS)[number];

/**
 * The `ocpp` section of the station config: where the CSMS is and how to authenticate. Vendor, model, serial and
 * firmware version come from `station`. OCPP configuration keys (HeartbeatInterval …) are not here: the CSMS owns them
 * and they persist in the journal (see `config-keys.ts`); `initialKeys` only seeds values on first start.
 */
export const ocppSchema = z
  .object({
    /**
     * OCPP version the station speaks: "1.6" (OCPP 1.6J, src/ocpp) or "2.0.1" (src/ocpp/v201). Everything below is
     * shared: the URL, identity, security profile and password mean the same in both.
     */
    version: z.enum(OCPP_VERSIONS).default('1.6'),
    /** CSMS base URL (ws:// or wss://); the endpoint is `${url}/${chargePointId}`. Null: no uplink (or the simulator's bench CSMS). */
    url: z
      .string()
      .regex(/^wss?:\/\/[^\s]+$/, 'must be a ws:// or wss:// URL')
      .nullable()
      .default(null),
    /** Identity at the CSMS; null uses `station.id`. */
    chargePointId: z
      .string()
      .min(1)
      .max(48)
      .regex(/^[A-Za-z0-9._\-:*]+$/, 'must be URL-safe (letters, digits, . _ - : *)')
      .nullable()
      .default(null),
    /** OCPP 1.6 security whitepaper profile: 0 none, 1 Basic, 2 TLS + Basic, 3 mutual TLS. */
    securityProfile: z.number().int().min(0).max(3).default(0),
    /** HTTP Basic password for profiles 1 and 2 (16–40 characters). Never logged. */
    authorizationKey: z.string().min(16).max(40).nullable().default(null),
    /** PEM file of the CA that signed the CSMS certificate (profiles 2, 3); null trusts the system store. */
    caFile: z.string().min(1).nullable().default(null),
    /** PEM client certificate and key (profile 3). */
    clientCertFile: z.string().min(1).nullable().default(null),
    clientKeyFile: z.string().min(1).nullable().default(null),
    /** First-connection back-off: initial and maximum delay, seconds (± 25 % jitter). */
    reconnectInitialS: z.number().min(0.01).max(60).default(1),
    reconnectMaxS: z.number().min(0.1).max(3600).default(60),
    /** How long to wait for a CSMS answer before treating the call as failed (and the link as suspect). */
    callTimeoutS: z.number().min(1).max(600).default(30),
    /**
     * Directory whose own `firmware/` folder takes firmware downloads (UpdateFirmware). Null: the station uses the
     * journal's directory; an OCPP client without one refuses updates (reported DownloadFailed).
     */
    stateDir: z.string().min(1).nullable().default(null),
    /** Installer run after a firmware download, as argv (no shell); the file path is appended. Null: Installed once downloaded. */
    firmwareInstallCommand: z.array(z.string().min(1)).min(1).nullable().default(null),
    /** Largest firmware image accepted, bytes: a larger Content-Length is refused, a longer body aborted (1 KiB … 16 GiB). */
    firmwareMaxBytes: z.number().int().min(1024).max(16 * 1024 ** 3).default(256 * 1024 ** 2),
    /** The idTag reported in StartTransaction for free-vend sessions (no card was presented). */
    freeVendIdTag: z.string().min(1).max(20).default('FREEVEND'),
    /**
     * Seeds for OCPP configuration keys on first start (the stored value wins afterwards): 1.6 key names
     * (`HeartbeatInterval`), or for 2.0.1 device-model variables `Component/Variable[Instance]`
     * (`OCPPCommCtrlr/HeartbeatInterval`, `DeviceDataCtrlr/ItemsPerMessage[GetReport]`).
     */
    initialKeys: z.record(z.string(), z.string()).default({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if ((cfg.securityProfile === 1 || cfg.securityProfile === 2) && cfg.authorizationKey === null) {
      ctx.addIssue({ code: 'custom', path: ['authorizationKey'], message: `security profile ${cfg.securityProfile} needs an authorizationKey` });
    }
    if (cfg.securityProfile >= 2 && cfg.url !== null && !cfg.url.startsWith('wss://')) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: `security profile ${cfg.securityProfile} needs a wss:// URL` });
    }
    if (cfg.securityProfile === 3 && (cfg.clientCertFile === null || cfg.clientKeyFile === null)) {
      ctx.addIssue({ code: 'custom', path: ['clientCertFile'], message: 'security profile 3 needs clientCertFile and clientKeyFile' });
    }
    if (cfg.reconnectMaxS < cfg.reconnectInitialS) {
      ctx.addIssue({ code: 'custom', path: ['reconnectMaxS'], message: 'must be at least reconnectInitialS' });
    }
  });

export type OcppConfig = z.infer<typeof ocppSchema>;
