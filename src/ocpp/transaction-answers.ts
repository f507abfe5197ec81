/**
 * The idTagInfo of transaction answers on their way back from the CSMS. A StartTransaction's is held from the answer
 * until the outbox sender reports the delivery (`onStartAnswered`, which carries only the status), keyed by the CSMS
 * transactionId of the answer, so a backlog Start's idTagInfo can never be taken for another session's. A
 * StopTransaction's is about the idTag of that very request (the card that stopped, from the journal's row): it is
 * handed on at once.
 */
import { asIdTagInfo, type IdTagInfo } from './id-tag-info.js';
import type { OutboxLink } from './outbox-sender.js';

/** Answers whose delivery was never reported (the journal failed to mark one) are dropped oldest first beyond this. */
const HELD_ANSWERS = 16;

export class TransactionAnswers {
  private readonly byTransaction = new Map<number, IdTagInfo>();

  /** `onStopAnswered`: a StopTransaction.conf said this about the idTag of its request. */
  constructor(private readonly onStopAnswered: (idTag: string, info: IdTagInfo) => void = () => undefined) {}

  /** The link the outbox sender calls through: it notes every StartTransaction answer on its way back. */
  wrap(link: OutboxLink): OutboxLink {
    return {
      isOpen: () => link.isOpen(),
      call: async <T = Record<string, unknown>>(method: string, params: Record<string, unknown>): Promise<T> => {
        const answer = await link.call<T>(method, params);
        if (method === 'StartTransaction') this.note(answer);
        if (method === 'StopTransaction') this.stopAnswered(params, answer);
        return answer;
      },
    };
  }

  /** The idTagInfo the CSMS gave with `transactionId` (once), or null when none was seen or it was malformed. */
  take(transactionId: number): IdTagInfo | null {
    const info = this.byTransaction.get(transactionId) ?? null;
    this.byTransaction.delete(transactionId);
    return info;
  }

  private stopAnswered(params: Record<string, unknown>, answer: unknown): void {
    const idTag = params['idTag'];
    const info = typeof answer === 'object' && answer !== null ? asIdTagInfo((answer as Record<string, unknown>)['idTagInfo']) : null;
    if (typeof idTag === 'string' && info !== null) this.onStopAnswered(idTag, info);
  }

  private note(answer: unknown): void {
    if (typeof answer !== 'object' || answer === null) return;
    const { transactionId, idTagInfo } = answer as Record<string, unknown>;
    const info = asIdTagInfo(idTagInfo);
    if (typeof transactionId !== 'number' || info === null) return;
    this.byTransaction.delete(transactionId);
    this.byTransaction.set(transactionId, info);
    while (this.byTransaction.size > HELD_ANSWERS) this.byTransaction.delete(this.byTransaction.keys().next().value as number);
  }
}
