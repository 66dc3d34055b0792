/**
 * Neutralises spreadsheet formula injection (OWASP "CSV Injection"): a value
 * starting with `=`, `+`, `-`, `@`, tab, carriage return or line feed gets a
 * leading `'`, so Excel, LibreOffice and Google Sheets show it as text
 * instead of evaluating it. This touches honest data too: the phone number
 * `+1 415 555 0100` becomes `'+1 415 555 0100`. Any other value is returned
 * as the same string.
 */
export function escapeFormula(value: string): string {
  return value.length > 0 && startsFormula(value.charCodeAt(0)) ? `'${value}` : value;
}

/** True for the first character (or byte) of a value that gets the leading `'`. */
export function startsFormula(code: number): boolean {
  switch (code) {
    case 0x3d: // =
    case 0x2b: // +
    case 0x2d: // -
    case 0x40: // @
    case 0x09: // tab
    case 0x0d: // carriage return
    case 0x0a: // line feed
      return true;
    default:
      return false;
  }
}
