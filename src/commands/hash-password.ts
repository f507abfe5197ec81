/**
 * `evse config hash-password`: reads the operator's password from stdin (without echo on a terminal) and prints its
 * scrypt hash for `web.operatorPasswordHash`. The password itself is never printed, logged or passed as an argument
 * (where `ps` and the shell history would see it).
 */
import { EvseError, EvseErrorCode } from '../errors.js';
import { hashPassword } from '../web/operator/password.js';

/** Shorter passwords are refused: the page may face a whole LAN. */
export const minPasswordChars = 8;

/** The first line of a piped stdin. */
async function readLine(input: NodeJS.ReadStream): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return (text.split('\n')[0] ?? '').replace(/\r$/, '');
}

/** A line typed at a terminal, not echoed. Ctrl-C aborts. */
function readHidden(input: NodeJS.ReadStream, prompt: NodeJS.WriteStream, question: string): Promise<string> {
  prompt.write(question);
  return new Promise((resolve, reject) => {
    let typed = '';
    input.setRawMode(true);
    input.setEncoding('utf8');
    const finish = (): void => {
      input.setRawMode(false);
      input.off('data', onData);
      input.pause();
      prompt.write('\n');
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(typed);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new EvseError(EvseErrorCode.InvalidArgument, 'aborted'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}

export async function hashPasswordCommand(io: { stdin: NodeJS.ReadStream; stderr: NodeJS.WriteStream; write(text: string): void }): Promise<void> {
  const password = io.stdin.isTTY ? await readHidden(io.stdin, io.stderr, 'Operator password: ') : await readLine(io.stdin);
  if (io.stdin.isTTY) {
    const again = await readHidden(io.stdin, io.stderr, 'Again: ');
    if (again !== password) throw new EvseError(EvseErrorCode.InvalidArgument, 'the two passwords differ; nothing printed');
  }
  if ([...password].length < minPasswordChars) {
    throw new EvseError(EvseErrorCode.InvalidArgument, `the password must have at least ${minPasswordChars} characters`);
  }
  io.write(`${await hashPassword(password)}\n`);
}
