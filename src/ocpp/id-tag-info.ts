/** OCPP 1.6 IdTagInfo: what the CSMS (or the local list) says about a card, validated where it comes in. */

export type AuthorizationStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';

/** OCPP 1.6 IdTagInfo. */
export interface IdTagInfo {
  readonly status: AuthorizationStatus;
  /** ISO-8601. */
  readonly expiryDate?: string;
  readonly parentIdTag?: string;
}

const AUTH_STATUSES: readonly string[] = ['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx'];

/** Parses a stored or received IdTagInfo; null when it is not one. */
export function asIdTagInfo(value: unknown): IdTagInfo | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v['status'] !== 'string' || !AUTH_STATUSES.includes(v['status'])) return null;
  return {
    status: v['status'] as AuthorizationStatus,
    ...(typeof v['expiryDate'] === 'string' ? { expiryDate: v['expiryDate'] } : {}),
    ...(typeof v['parentIdTag'] === 'string' ? { parentIdTag: v['parentIdTag'] } : {}),
  };
}
