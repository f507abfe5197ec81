/** SendLocalList (full and differential) and GetLocalListVersion over the journal's key-value store. */
import type { KeyValueStore } from '../journal/ports.js';
import type { ConfigurationKeys } from './config-keys.js';
import { LOCAL_LIST_META_NAMESPACE, LOCAL_LIST_NAMESPACE, asIdTagInfo } from './authorizer.js';

export type UpdateStatus = 'Accepted' | 'Failed' | 'NotSupported' | 'VersionMismatch';

interface SendLocalListRequest {
  readonly listVersion: number;
  readonly updateType: 'Full' | 'Differential';
  readonly localAuthorizationList?: readonly { readonly idTag: string; readonly idTagInfo?: unknown }[];
}

/** GetLocalListVersion: -1 when the list is disabled, 0 when it was never set. */
export async function localListVersion(store: KeyValueStore, keys: ConfigurationKeys): Promise<number> {
  if (!keys.bool('LocalAuthListEnabled')) return -1;
  const version = await store.get(LOCAL_LIST_META_NAMESPACE, 'version');
  return typeof version === 'number' ? version : 0;
}

/** Applies SendLocalList. A differential update must raise the version; the list never exceeds LocalAuthListMaxLength. */
export async function applySendLocalList(store: KeyValueStore, keys: ConfigurationKeys, req: SendLocalListRequest): Promise<UpdateStatus> {
  if (!keys.bool('LocalAuthListEnabled')) return 'NotSupported';
  const entries = req.localAuthorizationList ?? [];
  if (entries.length > Number(keys.get('SendLocalListMaxLength'))) return 'Failed';
  if (entries.some((e) => e.idTagInfo !== undefined && asIdTagInfo(e.idTagInfo) === null)) return 'Failed';
  const maxLength = Number(keys.get('LocalAuthListMaxLength'));
  if (req.updateType === 'Full') {
    if (entries.length > maxLength) return 'Failed';
    await store.clear(LOCAL_LIST_NAMESPACE);
    for (const e of entries) if (e.idTagInfo !== undefined) await store.set(LOCAL_LIST_NAMESPACE, e.idTag, e.idTagInfo);
  } else {
    const current = await localListVersion(store, keys);
    if (req.listVersion <= current) return 'VersionMismatch';
    const list = new Map(await store.list(LOCAL_LIST_NAMESPACE));
    for (const e of entries) {
      if (e.idTagInfo === undefined) list.delete(e.idTag);
      else list.set(e.idTag, e.idTagInfo);
    }
    if (list.size > maxLength) return 'Failed';
    for (const e of entries) {
      if (e.idTagInfo === undefined) await store.delete(LOCAL_LIST_NAMESPACE, e.idTag);
      else await store.set(LOCAL_LIST_NAMESPACE, e.idTag, e.idTagInfo);
    }
  }
  await store.set(LOCAL_LIST_META_NAMESPACE, 'version', req.listVersion);
  return 'Accepted';
}
