// The one reading of a numeric text field, shared by ingest (every tabular loader) and serving
// (the API's flows, `xdr-ml predict`): a value the platform trained on is a value it scores.

/** Module-scope alias (global lookups are slow inside jest's vm context). */
const toNumber = Number;

/**
 * Parses a numeric field. Empty → NaN (missing); Infinity/inf/NaN spellings accepted;
 * returns undefined for text that is not a number.
 */
export function parseNumericField(text: string): number | undefined {
  if (text.length === 0) return NaN;
  const v = toNumber(text);
  if (v === v) {
    if (v === 0 && text.trim().length === 0) return NaN;
    return v;
  }
  switch (text.trim().toLowerCase()) {
    case 'nan':
    case '':
      return NaN;
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
    default:
      return undefined;
  }
}
