/**
 * ISO 4217 currencies in circulation with the number of their minor units (digits after the decimal point).
 * Fund codes and precious metals without a minor unit (XAU, XDR …) are left out: nobody prices a charging session
 * in them, and a typo that lands on one should fail rather than silently bill in troy ounces.
 */
const minorUnitsByCode: Readonly<Record<string, number>> = {
  ...twoDigits(
    'AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF ' +
      'CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG ' +
      'HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR ' +
      'MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD ' +
      'SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG ' +
      'YER ZAR ZMW ZWG',
  ),
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0,
  XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

function twoDigits(codes: string): Record<string, number> {
  return Object.fromEntries(codes.split(/\s+/).map((code) => [code, 2]));
}

/** Minor units of an ISO 4217 code (EUR → 2, JPY → 0, KWD → 3), or undefined when the code is unknown. */
export function minorUnitsOf(currency: string): number | undefined {
  return Object.hasOwn(minorUnitsByCode, currency) ? minorUnitsByCode[currency] : undefined;
}

/** Every known code, sorted (for error messages and docs). */
export function knownCurrencies(): readonly string[] {
  return Object.keys(minorUnitsByCode).sort();
}
