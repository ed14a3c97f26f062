/** For tests: values that break naive shell quoting (quotes, expansions, newlines, globs, unicode). */
export const HOSTILE_VALUES: readonly string[] = [
  '',
  'plain',
  "it's",
  '"double"',
  '$(touch /tmp/cloudtik-pwned)',
  '`touch /tmp/cloudtik-pwned`',
  '; rm -rf / #',
  'a\nb\nc',
  "'; echo injected; '",
  '$HOME ${PATH} $((1+1))',
  '\\ backslash \\n',
  '* ? [a-z] ~ !',
  'spaces  and\ttab',
  '\u00e9\u4e2d\u{1F600}',
];
