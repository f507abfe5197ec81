/**
 * A strict parser of the Prometheus text exposition format 0.0.4 (no parser package is installed; this follows the
 * format's specification: https://prometheus.io/docs/instrumenting/exposition_formats/). It throws, naming the line,
 * on anything a Prometheus server would refuse or that the format forbids: a malformed name, label or value, a bad
 * escape, a duplicate label or series, a TYPE after its samples or given twice, a family's samples not together, a
 * negative counter, a body not ending in a newline.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestampMs: number | null;
}

export interface Family {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string | null;
  readonly samples: Sample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const types: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

class ParseError extends Error {
  constructor(lineNo: number, line: string, why: string) {
    super(`line ${lineNo}: ${why}: ${JSON.stringify(line)}`);
  }
}

function unescape(text: string, allowQuote: boolean, fail: (why: string) => never): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = text[++i];
    if (next === '\\') out += '\\';
    else if (next === 'n') out += '\n';
    else if (next === '"' && allowQuote) out += '"';
    else fail(`bad escape \\${next ?? ''}`);
  }
  return out;
}

function parseValue(text: string, fail: (why: string) => never): number {
  if (text === 'NaN') return NaN;
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) fail(`bad value ${text}`);
  return Number(text);
}

/** The family a sample name belongs to, given the families declared so far. */
function familyOf(name: string, declared: ReadonlyMap<string, Family>): string {
  if (declared.has(name)) return name;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    const base = name.endsWith(suffix) ? name.slice(0, -suffix.length) : null;
    const family = base === null ? undefined : declared.get(base);
    if (family && (family.type === 'histogram' || (family.type === 'summary' && suffix !== '_bucket'))) return base as string;
  }
  return name;
}

/** Parses one sample line's labels and the rest after them. */
function parseSampleLine(line: string, fail: (why: string) => never): { name: string; labels: Record<string, string>; rest: string } {
  const nameMatch = /^[^\s{]+/.exec(line);
  const name = nameMatch?.[0] ?? '';
  if (!metricName.test(name)) fail(`bad metric name ${name}`);
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    for (;;) {
      if (line[i] === '}') {
        i++;
        break;
      }
      const eq = line.indexOf('=', i);
      if (eq < 0) fail('label without =');
      const lname = line.slice(i, eq);
      if (!labelName.test(lname) || lname.startsWith('__')) fail(`bad label name ${lname}`);
      if (line[eq + 1] !== '"') fail('label value not quoted');
      let j = eq + 2;
      let raw = '';
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\') raw += line[j++];
        raw += line[j] ?? '';
      }
      if (j >= line.length) fail('unterminated label value');
      if (Object.hasOwn(labels, lname)) fail(`duplicate label ${lname}`);
      labels[lname] = unescape(raw, true, fail);
      i = j + 1;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') fail('expected , or } after a label');
    }
  }
  if (line[i] !== ' ') fail('expected a space before the value');
  return { name, labels, rest: line.slice(i + 1) };
}

export function parsePrometheusText(body: string): Map<string, Family> {
  if (body.length > 0 && !body.endsWith('\n')) throw new Error('the body must end with a newline');
  const families = new Map<string, Family>();
  const finished = new Set<string>();
  const seriesSeen = new Set<string>();
  let current: string | null = null;
  const lines = body.split('\n').slice(0, -1);
  const enter = (name: string, fail: (why: string) => never): Family => {
    if (current !== name) {
      if (current !== null) finished.add(current);
      if (finished.has(name)) fail(`family ${name} is not contiguous`);
      current = name;
    }
    let family = families.get(name);
    if (!family) {
      family = { name, type: 'untyped', help: null, samples: [] };
      families.set(name, family);
    }
    return family;
  };
  lines.forEach((line, index) => {
    const fail = (why: string): never => {
      throw new ParseError(index + 1, line, why);
    };
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
      if (!m) return; // a plain comment
      const [, keyword, name = '', rest = ''] = m;
      if (!metricName.test(name)) fail(`bad metric name ${name}`);
      const family = enter(name, fail);
      if (keyword === 'HELP') {
        if (family.help !== null) fail(`second HELP for ${name}`);
        (family as { help: string | null }).help = unescape(rest, false, fail);
      } else {
        if (!types.has(rest)) fail(`unknown type ${rest}`);
        if (family.samples.length > 0) fail(`TYPE of ${name} after its samples`);
        if (family.type !== 'untyped' || (family as { typed?: true }).typed) fail(`second TYPE for ${name}`);
        Object.assign(family, { type: rest as MetricType, typed: true });
      }
      return;
    }
    const { name, labels, rest } = parseSampleLine(line, fail);
    const parts = rest.split(' ');
    if (parts.length > 2 || parts[0] === '') fail('expected a value and an optional timestamp');
    const value = parseValue(parts[0] ?? '', fail);
    let timestampMs: number | null = null;
    if (parts[1] !== undefined) {
      if (!/^-?\d+$/.test(parts[1])) fail(`bad timestamp ${parts[1]}`);
      timestampMs = Number(parts[1]);
    }
    const family = enter(familyOf(name, families), fail);
    if (family.type === 'counter' && (Number.isNaN(value) || value < 0)) fail(`counter ${name} must be ≥ 0`);
    const series = JSON.stringify([name, Object.entries(labels).sort()]);
    if (seriesSeen.has(series)) fail('duplicate series');
    seriesSeen.add(series);
    family.samples.push({ name, labels, value, timestampMs });
  });
  return families;
}
