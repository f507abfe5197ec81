/**
 * What `evse sim` runs with when no --config is given: the defaults plus a demonstration tariff, so the bench shows a
 * running cost (the station's own default tariff is free, so nobody is billed before an operator sets prices).
 */
export const benchConfigInput = {
  tariff: {
    id: 'bench-demo',
    currency: 'EUR',
    energyBands: [
      { label: 'night', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '07:00', pricePerKwh: '0.29' },
      { label: 'day', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '07:00', to: '22:00', pricePerKwh: '0.39' },
      { label: 'night', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '22:00', to: '24:00', pricePerKwh: '0.29' },
    ],
    pricePerChargingHour: '0',
    idleFeePerMinute: '0.10',
    idleGraceMinutes: 30,
    flatFee: '0.50',
    minPrice: '0',
    maxPrice: null,
    taxRatePercent: '19',
  },
} as const;
