import type { EvProfile } from '../ev.js';
import type { BoardOptionsInput } from './options.js';
import type { BoardFault } from './virtual-board.js';
import type { BoardGpioConfig } from './wiring.js';

/**
 * Messages between a virtual board hosted in a worker thread (`board-worker.ts`, its own event loop, as a kernel is
 * to the drivers) and the thread that runs the drivers. Plain data, structured-cloned.
 */
export interface BoardWorkerData {
  readonly gpio: BoardGpioConfig;
  readonly options: BoardOptionsInput;
  /** How often the worker posts its state (EV), real ms. */
  readonly postEveryMs: number;
  /** The meter reading, written by the worker on every board tick (see SharedMeterWindow). */
  readonly meter: SharedArrayBuffer;
}

/** What the drivers' thread asks of the board. `seq` counts commands; the state echoes the last one applied. */
export type BoardCommand =
  | { readonly type: 'plug'; readonly seq: number }
  | { readonly type: 'unplug'; readonly seq: number }
  | { readonly type: 'replace-ev'; readonly seq: number; readonly profile: EvProfile }
  | { readonly type: 'inject'; readonly seq: number; readonly fault: BoardFault; readonly active: boolean }
  | { readonly type: 'temperature'; readonly seq: number; readonly celsius: number }
  | { readonly type: 'voltages'; readonly seq: number; readonly voltagesV: [number, number, number] }
  | { readonly type: 'ev-ignores-pwm'; readonly seq: number; readonly active: boolean }
  | { readonly type: 'stop'; readonly seq: number };

/** The board's state as the worker last saw it. */
export interface BoardState {
  readonly type: 'state';
  /** The last command applied before this state was taken. */
  readonly appliedSeq: number;
  readonly socPercent: number;
  readonly full: boolean;
  readonly ignoresPwm: boolean;
  readonly voltagesV: [number, number, number];
}

export type BoardReport =
  | BoardState
  | { readonly type: 'ready'; readonly w1DevicesDir: string; readonly state: BoardState }
  | { readonly type: 'error'; readonly message: string }
  | { readonly type: 'stopped' };
