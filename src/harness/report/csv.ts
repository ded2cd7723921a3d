/**
 * CSV export of the report's tables without a script: each table gets a link whose address is the
 * table as RFC 4180 CSV (`data:text/csv`), saved under the table's name.
 */
import { escapeHtml } from './charts/svg.js';

/** One CSV field: quoted when it holds a comma, quote or line break; a leading = + @ or tab is
 * prefixed with ' so a spreadsheet does not run it as a formula (OWASP, CSV injection). */
export function csvField(text: string): string {
  const safe = /^[=+@\t\r]/.test(text) || /^-[^\d.]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  return [headers, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** A download link for the table as CSV, named `<name>.csv`. */
export function csvLink(name: string, headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const href = `data:text/csv;charset=utf-8,${encodeURIComponent(toCsv(headers, rows))}`;
  return `<a class="csv" download="${escapeHtml(name)}.csv" href="${href}">CSV</a>`;
}
