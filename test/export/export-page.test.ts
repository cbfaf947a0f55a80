import { escapeHtml, exportPage } from '../../src/export/export-endpoint';

describe('the export download page', () => {
  it('holds the token only, escaped, in a hidden field of a form that posts to the same path', () => {
    const html = exportPage('a"b<c>&\'d');
    expect(html).toContain('<input type="hidden" name="token" value="a&quot;b&lt;c&gt;&amp;&#39;d">');
    expect(html).not.toContain('a"b<c>');
    expect(html).toContain('<form method="post" action="feedback">');
    expect(html.match(/<input/g)).toHaveLength(1);
  });

  it('loads nothing: no scripts, no links, no images, no external URLs', () => {
    expect(exportPage('t')).not.toMatch(/<script|<link|<img|<iframe|src=|href=|https?:\/\/|url\(/i);
  });

  it('escapes the five HTML specials and nothing else', () => {
    expect(escapeHtml(`<&>"' plain-text_123`)).toBe('&lt;&amp;&gt;&quot;&#39; plain-text_123');
  });
});
