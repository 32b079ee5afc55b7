// Markdown table pieces shared by the reports, the comparison and the sweep summary.

/** An accuracy in %, two decimals; — when absent. */
export const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : v.toFixed(2));

/** One table row; a `|` inside a cell is escaped. */
export const row = (cells: (string | number)[]): string => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;

export const table = (head: string[], rows: (string | number)[][]): string => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
