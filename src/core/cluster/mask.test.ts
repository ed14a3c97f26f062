import { describe, expect, it } from 'vitest';
import { isSecretKey, MASK, maskObject, maskText, maskValues, secretValues } from './mask.js';

describe('isSecretKey', () => {
  it.each([
    ['password', true],
    ['requirepass', true],
    ['MY_API_TOKEN', true],
    ['aws_secret_access_key', true],
    ['encryption.key', true],
    ['javax.jdo.option.ConnectionPassword', true],
    ['ssh_private_key', true],
    ['api-key', true],
    ['key', true],
    ['keyspace', false],
    ['monkey', false],
    ['passive', false],
    ['bypass_cache', false],
    ['cluster_name', false],
    ['ssh_user', false],
    ['hotkeys', false],
  ])('%s -> %s', (key, secret) => {
    expect(isSecretKey(key)).toBe(secret);
  });
});

describe('maskText', () => {
  it.each([
    ['requirepass s3cr3t-value', `requirepass ${MASK}`],
    ['export MY_API_TOKEN=abc123xyz', `export MY_API_TOKEN=${MASK}`],
    ['password: hunter22', `password: ${MASK}`],
    ['  db_password = "x y z"', `  db_password = ${MASK}`],
    ['{"msg":"login","password":"pw-1234","user":"bob"}', `{"msg":"login","password":"${MASK}","user":"bob"}`],
    [
      'java -Djavax.jdo.option.ConnectionPassword=pw9876 Main',
      `java -Djavax.jdo.option.ConnectionPassword=${MASK} Main`,
    ],
    ['redis-cli --pass=abcdef ping', `redis-cli --pass=${MASK} ping`],
    ['url mysql://root:topsecret@10.0.0.2:3306/db', `url mysql://root:${MASK}@10.0.0.2:3306/db`],
    ['Password authentication failed for user bob', 'Password authentication failed for user bob'],
    ['cluster_name: demo', 'cluster_name: demo'],
    ['port 6789', 'port 6789'],
  ])('%s', (line, masked) => {
    expect(maskText(line)).toBe(masked);
  });

  it('masks a Hadoop property whose name names a secret, across lines', () => {
    const xml = [
      '<property>',
      '  <name>javax.jdo.option.ConnectionPassword</name>',
      '  <value>hive-pw-42</value>',
      '</property>',
      '<property><name>fs.defaultFS</name><value>hdfs://h:9000</value></property>',
    ].join('\n');
    const out = maskText(xml);
    expect(out).not.toContain('hive-pw-42');
    expect(out).toContain(`<value>${MASK}</value>`);
    expect(out).toContain('<value>hdfs://h:9000</value>');
  });

  it('masks known secret values wherever they show, longest first', () => {
    const text = 'connected with AbCdEf123456 to store; AbCdEf123456xyz again; a b';
    expect(maskText(text, ['AbCdEf123456', 'AbCdEf123456xyz', 'a'])).toBe(
      `connected with ${MASK} to store; ${MASK} again; a b`,
    );
  });
});

describe('maskValues', () => {
  it('leaves text without the values as it is', () => {
    expect(maskValues('nothing here', ['secret-value'])).toBe('nothing here');
  });
});

describe('maskObject and secretValues', () => {
  const config = {
    cluster_name: 'c',
    runtime: { envs: { MY_API_TOKEN: 'tok-123456', PLAIN: 'x' }, mysql: { root_password: 'rootpw99' } },
    list: [{ password: 7 }],
  };
  it('masks the values under secret keys, keeps the rest', () => {
    expect(maskObject(config)).toEqual({
      cluster_name: 'c',
      runtime: { envs: { MY_API_TOKEN: MASK, PLAIN: 'x' }, mysql: { root_password: MASK } },
      list: [{ password: MASK }],
    });
  });
  it('finds those values', () => {
    expect(secretValues(config).sort()).toEqual(['7', 'rootpw99', 'tok-123456']);
  });
});
