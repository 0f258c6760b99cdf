// report.html: the same content as report.md, self-contained (charts inlined as base64 PNG), from a
// small converter for the markdown subset the report uses (headings, tables, lists, code, images).

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function inline(text: string, images: Map<string, Buffer>): string {
  return esc(text)
    .replace(/!\[([^\]]*)\]\(([^)]+)\)/g, (_all, alt: string, src: string) => {
      const png = images.get(src);
      const href = png ? `data:image/png;base64,${png.toString('base64')}` : src;
      return `<img alt="${alt}" src="${href}">`;
    })
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}

function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());
}

export function renderHtml(markdown: string, images: Map<string, Buffer>, title: string): string {
  const out: string[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('```')) {
      const code: string[] = [];
      for (i++; i < lines.length && !(lines[i] ?? '').startsWith('```'); i++) code.push(lines[i] ?? '');
      out.push(`<pre><code>${esc(code.join('\n'))}</code></pre>`);
    } else if (/^#{1,4} /.test(line)) {
      const level = line.indexOf(' ');
      out.push(`<h${level}>${inline(line.slice(level + 1), images)}</h${level}>`);
    } else if (line.startsWith('|')) {
      const rows: string[] = [];
      for (; i < lines.length && (lines[i] ?? '').startsWith('|'); i++) rows.push(lines[i] ?? '');
      i--;
      const [head, , ...body] = rows;
      out.push('<table>');
      out.push(
        `<tr>${cells(head ?? '')
          .map((c) => `<th>${inline(c, images)}</th>`)
          .join('')}</tr>`,
      );
      for (const row of body)
        out.push(
          `<tr>${cells(row)
            .map((c) => `<td>${inline(c, images)}</td>`)
            .join('')}</tr>`,
        );
      out.push('</table>');
    } else if (line.startsWith('- ')) {
      out.push('<ul>');
      for (; i < lines.length && (lines[i] ?? '').startsWith('- '); i++) {
        out.push(`<li>${inline((lines[i] ?? '').slice(2), images)}</li>`);
      }
      i--;
      out.push('</ul>');
    } else if (line.trim() !== '') {
      out.push(`<p>${inline(line, images)}</p>`);
    }
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 1200px; margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.85rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.5rem 0; }
pre { background: #f6f6f6; padding: 0.75rem; overflow-x: auto; }
code { background: #f6f6f6; padding: 0 0.2rem; }
</style></head><body>
${out.join('\n')}
</body></html>
`;
}
