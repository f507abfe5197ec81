/**
 * Splits report data into NotifyReport parts (B07): at most ItemsPerMessage[GetReport] items each, and each whole
 * frame at most BytesPerMessage[GetReport] bytes. An item that alone exceeds the byte limit goes alone (it cannot be
 * split; the CSMS asked for a limit the station cannot meet for it).
 */

/** Bytes of a CALL frame around its payload: `[2,"<36-character id>","NotifyReport",` … `]`. */
export const NOTIFY_REPORT_FRAME_OVERHEAD = Buffer.byteLength('[2,"00000000-0000-0000-0000-000000000000","NotifyReport",]');

export interface ReportPart<T> {
  readonly seqNo: number;
  readonly tbc: boolean;
  readonly reportData: readonly T[];
}

/** The payload of one NotifyReport with these items (its size is what the byte limit counts). */
export function notifyReportPayload<T>(requestId: number, generatedAt: string, part: ReportPart<T>): Record<string, unknown> {
  return { requestId, generatedAt, seqNo: part.seqNo, tbc: part.tbc, reportData: part.reportData };
}

/** The frame size of a NotifyReport payload, bytes. */
export function frameBytes(payload: Record<string, unknown>): number {
  return NOTIFY_REPORT_FRAME_OVERHEAD + Buffer.byteLength(JSON.stringify(payload));
}

export function splitReport<T>(items: readonly T[], limits: { readonly itemsPerMessage: number; readonly bytesPerMessage: number }, requestId: number, generatedAt: string): ReportPart<T>[] {
  const groups: T[][] = [];
  let current: T[] = [];
  // tbc: false is the longer spelling ("false" against "true"), so a part that fits with it fits whether it turns out
  // to be the last part or not.
  const fits = (candidate: T[]): boolean => frameBytes(notifyReportPayload(requestId, generatedAt, { seqNo: groups.length, tbc: false, reportData: candidate })) <= limits.bytesPerMessage;
  for (const item of items) {
    const candidate = [...current, item];
    if (current.length > 0 && (current.length >= limits.itemsPerMessage || !fits(candidate))) {
      groups.push(current);
      current = [item];
    } else {
      current = candidate;
    }
  }
  if (current.length > 0 || groups.length === 0) groups.push(current);
  return groups.map((reportData, i) => ({ seqNo: i, tbc: i < groups.length - 1, reportData }));
}
