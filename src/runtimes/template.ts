/**
 * Runtime config templates: text with `{%name%}` placeholders. Rendering refuses a template that
 * names a value it was not given (a typo would otherwise ship a broken config to every node) and
 * values that were given but never used are fine.
 */
export class TemplateError extends Error {}

const PLACEHOLDER = /\{%\s*([A-Za-z0-9_.-]+)\s*%\}/g;

export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string))];
}

export function renderTemplate(
  template: string,
  values: Readonly<Record<string, string | number | boolean>>,
  name = 'template',
): string {
  const missing = placeholders(template).filter((p) => !(p in values));
  if (missing.length > 0) {
    throw new TemplateError(`${name}: unknown placeholder(s) ${missing.map((m) => `{%${m}%}`).join(', ')}`);
  }
  return template.replace(PLACEHOLDER, (_, key: string) => String(values[key]));
}

/** Hadoop's XML configuration format from a flat map (values escaped). */
export function hadoopXml(properties: Readonly<Record<string, string | number | boolean>>): string {
  const esc = (v: string): string => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body = Object.entries(properties)
    .map(([k, v]) => `  <property>\n    <name>${esc(k)}</name>\n    <value>${esc(String(v))}</value>\n  </property>`)
    .join('\n');
  return `<?xml version="1.0"?>\n<!-- Written by cloudtik runtime configure -->\n<configuration>\n${body}\n</configuration>\n`;
}
