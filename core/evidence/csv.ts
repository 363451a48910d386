/**
 * CSV attachments (RFC 4180): a field is quoted only when it holds a comma, a quote or a line break, and a quote inside
 * it is doubled. Every CSV the harness writes goes through here, so a banner or an error text can never shift a column.
 */

/** One field; undefined and null are empty. */
export function csvField(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record: the fields quoted as needed and joined by commas. */
export function csvRow(fields: readonly unknown[]): string {
  return fields.map(csvField).join(',');
}

/** A whole document: the header, then one line per record, with a final line break. */
export function csvDocument(header: readonly string[], records: Iterable<readonly unknown[]>): string {
  const lines = [csvRow(header)];
  for (const record of records) lines.push(csvRow(record));
  return `${lines.join('\n')}\n`;
}
