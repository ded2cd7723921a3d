/**
 * CSV as RFC 4180 writes it: comma-separated fields, a header row, fields with a comma, a quote or
 * a line break in double quotes (a quote doubled). The reader reports where a record is broken
 * (file:line) and refuses the whole file: nothing of a broken file is used.
 */

export class CsvError extends Error {}

/** The largest CSV infusim reads: records, and fields per record. */
export const MAX_CSV_RECORDS = 100_000;
export const MAX_CSV_FIELDS = 64;

function quote(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return [header, ...rows].map((r) => r.map((v) => quote(String(v))).join(',')).join('\r\n') + '\r\n';
}

export interface CsvRecord {
  /** 1-based line where the record starts. */
  line: number;
  fields: Record<string, string>;
}

/** Parse `text` with a header row; every record must have the header's field count. */
export function parseCsv(text: string, file: string, required: readonly string[]): { header: string[]; records: CsvRecord[] } {
  const rows: { line: number; fields: string[] }[] = [];
  let field = '';
  let fields: string[] = [];
  let line = 1;
  let startLine = 1;
  let inQuotes = false;
  let quotedField = false;
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const endRecord = (): void => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '' && !quotedField)) rows.push({ line: startLine, fields });
    if (rows.length > MAX_CSV_RECORDS + 1) throw new CsvError(`${file}:${startLine}: more than ${MAX_CSV_RECORDS} records (MAX_CSV_RECORDS)`);
    fields = [];
    field = '';
    quotedField = false;
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (inQuotes) {
      if (c === '"') {
        if (body[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"') {
      if (field !== '') throw new CsvError(`${file}:${line}: a quote inside an unquoted field (field ${fields.length + 1}); quote the whole field and double the quote`);
      inQuotes = true;
      quotedField = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      quotedField = false;
      if (fields.length > MAX_CSV_FIELDS) throw new CsvError(`${file}:${line}: more than ${MAX_CSV_FIELDS} fields`);
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') i++;
      endRecord();
      line++;
      startLine = line;
    } else {
      if (quotedField) throw new CsvError(`${file}:${line}: text after a closing quote (field ${fields.length + 1})`);
      field += c;
    }
  }
  if (inQuotes) throw new CsvError(`${file}:${startLine}: a quoted field is not closed`);
  if (field !== '' || fields.length > 0 || quotedField) endRecord();
  const [head, ...rest] = rows;
  if (!head) throw new CsvError(`${file}: empty; expected a header row: ${required.join(',')}`);
  const header = head.fields.map((h) => h.trim());
  const missing = required.filter((r) => !header.includes(r));
  if (missing.length > 0) throw new CsvError(`${file}:${head.line}: the header lacks ${missing.map((m) => `"${m}"`).join(', ')}; expected columns ${required.join(',')}`);
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup !== undefined) throw new CsvError(`${file}:${head.line}: column "${dup}" appears twice in the header`);
  const records = rest.map((r) => {
    if (r.fields.length !== header.length) throw new CsvError(`${file}:${r.line}: ${r.fields.length} fields; expected ${header.length} (${header.join(',')})`);
    return { line: r.line, fields: Object.fromEntries(header.map((h, i) => [h, r.fields[i]!])) };
  });
  return { header, records };
}
