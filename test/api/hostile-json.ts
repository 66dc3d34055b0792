import fc from 'fast-check';

/**
 * Number literals JSON.parse alters (more digits than a double holds, out of
 * range, `-0`, trailing zeros, exponents) mixed with ordinary ones.
 */
export const hostileLiteral: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('12345678901234567890', '9007199254740993', '1e400', '-1e400', '-0', '1.50', '0.1', '1E+2', '1e-400', '0.0000001', '-0.0', '42', '3.25'),
  fc
    .tuple(
      fc.boolean(),
      fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9]\d{0,24}$/)),
      fc.option(fc.stringMatching(/^\d{1,20}$/), { nil: undefined }),
      fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.stringMatching(/^\d{1,3}$/)), { nil: undefined }),
    )
    .map(([negative, whole, fraction, exponent]) => `${negative ? '-' : ''}${whole}${fraction === undefined ? '' : `.${fraction}`}${exponent?.join('') ?? ''}`),
);

/** Strings with lone surrogates, escapes, CSV and formula characters, and text that looks like numbers. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('\ud83d', 'a\ude00b', '😀', '=1+1', '"quoted", and\r\nsplit', '1.50', '-0', ':1.50,', '\u0000\u001f', 'Zoë', 'line\u2028sep\u2029next\u0085line'),
);
