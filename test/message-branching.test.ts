import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseCostMsg } from '../src/billing/costmsg.js';

/**
 * The rule of the project (README, common rules): code decides on error codes (EvseError codes, result codes such as
 * costmsg's `code`), never on the text of a message. Text is for people and changes without notice (a library's
 * wording, a translation, a clarified log line); a decision hidden in it breaks silently.
 *
 * This scan flags, in `src/**` outside comments and string literals:
 *  - an error's message (`x.message`, `errorMessage(x)`, or a variable named `message`/`msg`) tested with startsWith,
 *    endsWith, includes, indexOf, search, match or a RegExp's test, or compared with ===/!==/== to a literal;
 *  - a free-text reason (`reason`, `x.reason`) tested with startsWith, endsWith, includes, indexOf, search, match or a
 *    RegExp's test. Comparing a `reason` with === to a literal stays allowed: those are closed enumerations (OCPP stop
 *    reasons, the link's close reason), not text.
 * Identifiers that merely end in "message" or "reason" (operatorMessage, stopReason) are other words and not flagged.
 */
const TEXT_OPS = String.raw`(?:\?\.|\.)(?:startsWith|endsWith|includes|indexOf|search|match|matchAll)\(`;
const MESSAGE = String.raw`(?:(?:\([^()]*\)|[\w$.?]*[\w$\]])(?:\?\.|\.)message|(?<![\w$.])(?:message|msg)|errorMessage\([^()]*\))(?![\w$])`;
const REASON = String.raw`(?:[\w$)\]](?:\?\.|\.)reason|(?<![\w$.])reason)(?![\w$])`;

const rules: readonly { readonly what: string; readonly pattern: RegExp }[] = [
  { what: 'message text tested', pattern: new RegExp(`${MESSAGE}\\s*${TEXT_OPS}`) },
  { what: 'message text compared', pattern: new RegExp(`${MESSAGE}\\s*[!=]==?\\s*(?:'|"|\`)`) },
  { what: 'message text compared', pattern: new RegExp(`(?:'|"|\`)\\s*[!=]==?\\s*${MESSAGE}`) },
  { what: 'message text matched', pattern: new RegExp(`\\.test\\(\\s*${MESSAGE}`) },
  { what: 'reason text tested', pattern: new RegExp(`${REASON}\\s*${TEXT_OPS}`) },
  { what: 'reason text matched', pattern: new RegExp(`\\.test\\(\\s*${REASON}`) },
];

/** Blanks comments and the contents of string literals (template literals keep their `${…}` code), keeping line breaks. */
export function codeOnly(text: string): string {
  let out = '';
  let i = 0;
  const keepBreaks = (s: string): string => s.replace(/[^\n]/g, ' ');
  while (i < text.length) {
    const c = text[i] ?? '';
    const next = text[i + 1] ?? '';
    if (c === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      out += keepBreaks(text.slice(i, stop));
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += keepBreaks(text.slice(i, stop));
      i = stop;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      // The quotes stay: a comparison with a literal is still seen as one.
      out += c + keepBreaks(text.slice(i + 1, j)) + c;
      i = j + 1;
    } else if (c === '`') {
      let j = i + 1;
      out += '`';
      while (j < text.length && text[j] !== '`') {
        if (text[j] === '\\') {
          out += '  ';
          j += 2;
        } else if (text[j] === '$' && text[j + 1] === '{') {
          // Code inside ${…}: kept as is (nested braces counted).
          let depth = 0;
          let k = j + 1;
          for (; k < text.length; k++) {
            if (text[k] === '{') depth++;
            else if (text[k] === '}' && --depth === 0) break;
          }
          out += text.slice(j, k + 1);
          j = k + 1;
        } else {
          out += text[j] === '\n' ? '\n' : ' ';
          j++;
        }
      }
      out += '`';
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** `line: rule` for every decision on message or reason text in a source text. */
export function textDecisions(text: string): string[] {
  const lines = codeOnly(text).split('\n');
  return lines.flatMap((line, n) => rules.filter((r) => r.pattern.test(line)).map((r) => `${n + 1}: ${r.what}`));
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('no decision on message text (src/**)', () => {
  it('flags what it must: .message, errorMessage(), a message variable and a reason tested or compared', () => {
    const flagged = [
      "if (err.message.startsWith('unknown')) x();",
      "return parsed.reason.startsWith('unknown messageId') ? 'A' : 'B';",
      "if ((err as Error).message === 'timeout') retry();",
      "if ('timeout' !== error?.message) retry();",
      'if (/\\b401\\b/.test(message)) return 1;',
      "if (errorMessage(err).includes('SQLITE_FULL')) fail();",
      "const gone = e.message?.includes('closed');",
      'if (/closed/.test(err.message)) return;',
      "if (reason.includes('disk')) return;",
      "if (msg.match(/full/)) return;",
      "if ('gone' === (err as Error).message) return;",
    ];
    for (const line of flagged) assert.notDeepEqual(textDecisions(line), [], line);
  });

  it('leaves legitimate string work alone', () => {
    const allowed = [
      "if (frame.startsWith('[4,')) return;",
      "log.warn({ err: err.message }, 'failed');",
      "throw new Error(`cannot read: ${err.message}`);",
      "this.options.logger[reason === 'stopped' ? 'info' : 'warn']({ reason }, 'closed');",
      "if (s.stopReason === 'EVDisconnected') hold();",
      "const text = operatorMessage.includes('x');",
      "// if (err.message.startsWith('x')) — said in a comment",
      "const hint = 'err.message.includes(\"x\") is forbidden';",
      "if (code.startsWith('SQLITE_CORRUPT')) corrupt();",
      'return { ok: false, reason: `${messageId}: ${issue?.message ?? "invalid"}` };',
    ];
    for (const line of allowed) assert.deepEqual(textDecisions(line), [], line);
  });

  it('a costmsg refusal says why by its code: an unknown messageId (whatever its data) is not a malformed message', () => {
    const unknown = parseCostMsg('Tip', '{not json');
    assert.equal(unknown.ok ? null : unknown.code, 'unknown-message-id');
    const malformed = parseCostMsg('FinalCost', '{not json');
    assert.equal(malformed.ok ? null : malformed.code, 'malformed');
    const invalid = parseCostMsg('RunningCost', { transactionId: 'x' });
    assert.equal(invalid.ok ? null : invalid.code, 'malformed');
  });

  it('src/** decides on codes, not on the text of errors or reasons', () => {
    const found = sources('src').flatMap((file) => textDecisions(readFileSync(file, 'utf8')).map((hit) => `${file}:${hit}`));
    assert.deepEqual(found, []);
  });
});
