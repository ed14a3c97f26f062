import { describe, expect, it } from 'vitest';
import { hadoopXml, placeholders, renderTemplate, TemplateError } from './template.js';

describe('renderTemplate', () => {
  it('fills every placeholder', () => {
    expect(renderTemplate('fs.defaultFS={%head%}:{% port %}', { head: 'h1', port: 9000 })).toBe('fs.defaultFS=h1:9000');
  });

  it('refuses unknown placeholders and names them', () => {
    expect(() => renderTemplate('a={%known%} b={%typo%} c={%other%}', { known: 1 }, 'core-site.xml')).toThrow(
      new TemplateError('core-site.xml: unknown placeholder(s) {%typo%}, {%other%}'),
    );
  });

  it('leaves other braces alone and ignores unused values', () => {
    expect(renderTemplate('${HOME} {x} {%a%}', { a: 'A', unused: 'u' })).toBe('${HOME} {x} A');
    expect(placeholders('{%a%}{%b%}{%a%}')).toEqual(['a', 'b']);
  });
});

describe('hadoopXml', () => {
  it('writes escaped properties', () => {
    const xml = hadoopXml({ 'fs.defaultFS': 'hdfs://h:9000', odd: 'a<b&c' });
    expect(xml).toContain('<name>fs.defaultFS</name>\n    <value>hdfs://h:9000</value>');
    expect(xml).toContain('<value>a&lt;b&amp;c</value>');
  });
});
