import { de } from './de.js';
import { en, type Catalogue, type TextKey } from './en.js';

/** The languages the page ships; English is the fallback. Adding one: a file like de.ts, and its code here. */
export const supportedLanguages = ['en', 'de'] as const;
export type Language = (typeof supportedLanguages)[number];

const catalogues: Readonly<Record<Language, Catalogue>> = { en, de };

export function catalogue(lang: Language): Catalogue {
  return catalogues[lang];
}

/** A text with its `{placeholders}` filled in; an unknown placeholder stays as it is (visible, not silently empty). */
export function fillIn(template: string, params: Readonly<Record<string, string | number>> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The text of `key` in `lang`. */
export function translate(lang: Language, key: TextKey, params?: Readonly<Record<string, string | number>>): string {
  return fillIn(catalogues[lang][key], params);
}

/**
 * The best shipped language for an Accept-Language header ("de-DE,de;q=0.9,en;q=0.8"): the highest-weighted tag whose
 * primary language we have, English when none (or no header).
 */
export function languageOf(acceptLanguage: string | undefined): Language {
  if (acceptLanguage === undefined) return 'en';
  const ranked = acceptLanguage
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { primary: tag.trim().toLowerCase().split('-')[0] ?? '', q: q === undefined ? 1 : Number(q), index };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { primary } of ranked) {
    const found = supportedLanguages.find((l) => l === primary);
    if (found !== undefined) return found;
  }
  return 'en';
}
