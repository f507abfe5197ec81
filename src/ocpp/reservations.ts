/**
 * ReserveNow / CancelReservation for connector 1. The reservation is persisted (namespace `ocpp.reservations`), shown
 * by the station as Reserved, expires at its expiryDate, and ends when its id tag (or one with the same parentIdTag)
 * starts a session.
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { KeyValueStore } from '../journal/ports.js';
import type { Logger } from '../logger.js';
import type { ChargePointPort, Reservation } from './charge-point-port.js';

export const RESERVATIONS_NAMESPACE = 'ocpp.reservations';
const KEY = 'connector1';

export type ReservationStatus = 'Accepted' | 'Faulted' | 'Occupied' | 'Rejected' | 'Unavailable';

function asReservation(value: unknown): Reservation | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v['reservationId'] !== 'number' || typeof v['idTag'] !== 'string' || typeof v['expiresAtMs'] !== 'number') return null;
  return {
    reservationId: v['reservationId'],
    idTag: v['idTag'],
    expiresAtMs: v['expiresAtMs'],
    ...(typeof v['parentIdTag'] === 'string' ? { parentIdTag: v['parentIdTag'] } : {}),
  };
}

export class Reservations {
  private current: Reservation | null = null;
  private timer: TimerHandle | null = null;

  constructor(
    private readonly options: { kv: KeyValueStore; port: ChargePointPort; clock: Clock; logger: Logger; tickMs?: number },
  ) {}

  /** Restores a persisted reservation (an expired one is dropped). */
  async load(): Promise<void> {
    const stored = asReservation(await this.options.kv.get(RESERVATIONS_NAMESPACE, KEY));
    if (stored && stored.expiresAtMs > this.options.clock.nowMs()) {
      this.current = stored;
      this.options.port.setReservation?.(stored);
    } else if (stored) {
      await this.options.kv.delete(RESERVATIONS_NAMESPACE, KEY);
    }
  }

  start(): void {
    this.timer ??= this.options.clock.setInterval(() => void this.tick(), this.options.tickMs ?? 1000);
  }

  stop(): void {
    if (this.timer) this.options.clock.clearInterval(this.timer);
    this.timer = null;
  }

  held(): Reservation | null {
    return this.current;
  }

  /**
   * Whether a tap may start while a reservation is held: the reserved tag, or one sharing its parentIdTag.
   * Returns the reservation it consumes, null when none is held, or 'reserved-for-another'.
   */
  claim(idTag: string, parentIdTag: string | undefined): Reservation | null | 'reserved-for-another' {
    const r = this.current;
    if (!r) return null;
    if (r.idTag === idTag || (r.parentIdTag !== undefined && r.parentIdTag === parentIdTag)) return r;
    return 'reserved-for-another';
  }

  async reserveNow(req: { connectorId: number; expiryDate: string; idTag: string; parentIdTag?: string; reservationId: number }): Promise<ReservationStatus> {
    if (req.connectorId !== 1) return 'Rejected'; // one connector; ReserveConnectorZeroSupported is not offered
    if (!this.options.port.setReservation) return 'Rejected'; // the station cannot show or enforce a reservation
    const expiresAtMs = Date.parse(req.expiryDate);
    if (!(expiresAtMs > this.options.clock.nowMs())) return 'Rejected';
    const status = this.options.port.connectorStatus(1).status;
    if (status === 'Faulted') return 'Faulted';
    if (status === 'Unavailable') return 'Unavailable';
    if (this.current && this.current.reservationId !== req.reservationId) return 'Occupied';
    if (status !== 'Available' && status !== 'Reserved') return 'Occupied';
    const reservation: Reservation = {
      reservationId: req.reservationId,
      idTag: req.idTag,
      expiresAtMs,
      ...(req.parentIdTag ? { parentIdTag: req.parentIdTag } : {}),
    };
    await this.options.kv.set(RESERVATIONS_NAMESPACE, KEY, reservation);
    this.current = reservation;
    this.options.port.setReservation(reservation);
    return 'Accepted';
  }

  async cancel(reservationId: number): Promise<'Accepted' | 'Rejected'> {
    if (this.current?.reservationId !== reservationId) return 'Rejected';
    await this.end('cancelled');
    return 'Accepted';
  }

  private async tick(): Promise<void> {
    const r = this.current;
    if (!r) return;
    if (this.options.clock.nowMs() >= r.expiresAtMs) {
      await this.end('expired');
      return;
    }
    // The station starts while reserved only for a tap the Authorizer matched to this reservation.
    if (this.options.port.activeSession()) await this.end('used');
  }

  /** Ends the held reservation (used by a session that started with it). */
  async end(why: 'cancelled' | 'expired' | 'used'): Promise<void> {
    const r = this.current;
    if (!r) return;
    this.current = null;
    await this.options.kv.delete(RESERVATIONS_NAMESPACE, KEY);
    this.options.port.setReservation?.(null);
    this.options.logger.info({ reservationId: r.reservationId, why }, 'reservation ended');
  }
}
