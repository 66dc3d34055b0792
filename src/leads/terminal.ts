const NAMED_ESCAPES: Readonly<Record<number, string>> = {
  0x09: '\\t',
  0x0a: '\\n',
  0x0d: '\\r',
};

/**
 * Makes an untrusted lead value safe to print on a terminal, one lead per
 * line. Control characters are shown as visible escapes instead of reaching
 * the terminal raw: C0 controls including newline, tab, CR and BEL
 * (`\n`, `\t`, `\r`, `\x07`), ESC (`\x1b`, which defuses CSI colour codes,
 * OSC 8 hyperlinks and OSC 52 clipboard writes), DEL and the C1 controls
 * (`\x7f`, `\x9b`), and the Unicode bidi controls that can reorder what is
 * shown (`\u202e`: U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069).
 * Other text, non-ASCII included, is returned as the same string.
 */
export function escapeForTerminal(value: string): string {
  let escaped: string | undefined;
  let copied = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (!needsEscape(code)) continue;
    escaped = (escaped ?? '') + value.slice(copied, i) + visibleEscape(code);
    copied = i + 1;
  }
  return escaped === undefined ? value : escaped + value.slice(copied);
}

function needsEscape(code: number): boolean {
  if (code < 0x20) return true;
  if (code < 0x7f) return false;
  if (code <= 0x9f) return true;
  if (code < 0x061c) return false;
  return (
    code === 0x061c ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

function visibleEscape(code: number): string {
  const named = NAMED_ESCAPES[code];
  if (named !== undefined) return named;
  return code < 0x100 ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`;
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}
