import { renderLeastPrivilegeSql, type LeastPrivilegeOptions } from './least-privilege.provisioner';

const options: LeastPrivilegeOptions = {
  database: 'audit',
  topology: 'single',
  ingestor: { user: 'audit_ingestor', password: 'ingestor-password-0123' },
  queryApi: { user: 'audit_query_api', password: "query'pass\\word-0123" },
};

describe('renderLeastPrivilegeSql', () => {
  it('gives the ingestor INSERT on what it appends, SELECT on what it resumes from and verifies, and the expiry job’s TTL re-application', () => {
    const grants = renderLeastPrivilegeSql(options).filter((sql) => sql.startsWith('GRANT') && sql.endsWith('TO audit_ingestor_role'));
    expect(grants).toEqual([
      'GRANT INSERT ON audit.audit_events TO audit_ingestor_role',
      'GRANT INSERT ON audit.audit_event_keys TO audit_ingestor_role',
      'GRANT INSERT ON audit.audit_chain_heads TO audit_ingestor_role',
      'GRANT INSERT ON audit.audit_chain_checkpoints TO audit_ingestor_role',
      'GRANT INSERT ON audit.audit_expiry_statements TO audit_ingestor_role',
      'GRANT SELECT ON audit.audit_events TO audit_ingestor_role',
      'GRANT SELECT ON audit.audit_chain_heads TO audit_ingestor_role',
      'GRANT SELECT ON audit.audit_chain_checkpoints TO audit_ingestor_role',
      'GRANT SELECT ON audit.audit_expiry_statements TO audit_ingestor_role',
      'GRANT SELECT ON audit.audit_legal_holds TO audit_ingestor_role',
      'GRANT SELECT ON audit.schema_migrations TO audit_ingestor_role',
      'GRANT dictGet ON audit.audit_retention_gate TO audit_ingestor_role',
      'GRANT ALTER MATERIALIZE TTL ON audit.audit_events TO audit_ingestor_role',
      'GRANT ALTER MATERIALIZE TTL ON audit.audit_event_keys TO audit_ingestor_role',
      'GRANT SYSTEM RELOAD DICTIONARY ON *.* TO audit_ingestor_role',
    ]);
  });

  it('gives the query API SELECT, and INSERT only on legal holds', () => {
    const grants = renderLeastPrivilegeSql(options).filter((sql) => sql.startsWith('GRANT') && sql.endsWith('TO audit_query_api_role'));
    expect(grants).toEqual([
      'GRANT INSERT ON audit.audit_legal_holds TO audit_query_api_role',
      'GRANT SELECT ON audit.audit_events TO audit_query_api_role',
      'GRANT SELECT ON audit.audit_event_keys TO audit_query_api_role',
      'GRANT SELECT ON audit.audit_chain_heads TO audit_query_api_role',
      'GRANT SELECT ON audit.audit_chain_checkpoints TO audit_query_api_role',
      'GRANT SELECT ON audit.audit_expiry_statements TO audit_query_api_role',
      'GRANT SELECT ON audit.audit_legal_holds TO audit_query_api_role',
      'GRANT SELECT ON audit.schema_migrations TO audit_query_api_role',
      'GRANT SYSTEM RELOAD DICTIONARY ON *.* TO audit_query_api_role',
    ]);
  });

  it('grants no privilege that could alter or remove audit rows: the one ALTER re-applies the tables’ own TTL', () => {
    const sql = renderLeastPrivilegeSql(options).join('\n').replace(/GRANT ALTER MATERIALIZE TTL ON audit\.audit_(events|event_keys) TO audit_ingestor_role/g, '');
    expect(sql).not.toMatch(/GRANT[^\n]*\b(ALTER|DELETE|UPDATE|TRUNCATE|DROP|OPTIMIZE|CREATE|ALL)\b[^\n]* ON /);
  });

  it('revokes whatever was granted by hand before granting, and sets each user’s role and password', () => {
    const sql = renderLeastPrivilegeSql(options);
    expect(sql.slice(0, 2)).toEqual(['CREATE ROLE IF NOT EXISTS audit_ingestor_role', 'REVOKE ALL ON *.* FROM audit_ingestor_role']);
    expect(sql.slice(-7, -2)).toEqual([
      "CREATE USER IF NOT EXISTS audit_query_api IDENTIFIED WITH sha256_password BY 'query\\'pass\\\\word-0123' DEFAULT DATABASE audit",
      "ALTER USER audit_query_api IDENTIFIED WITH sha256_password BY 'query\\'pass\\\\word-0123'",
      'REVOKE ALL ON *.* FROM audit_query_api',
      'GRANT audit_query_api_role TO audit_query_api',
      'ALTER USER audit_query_api DEFAULT ROLE audit_query_api_role',
    ]);
  });

  it('lets the retention gate read its tables as the ingestor, with the password of this run', () => {
    expect(renderLeastPrivilegeSql(options).slice(-2)).toEqual([
      "ALTER NAMED COLLECTION audit_retention_gate_source SET user = 'audit_ingestor', password = 'ingestor-password-0123'",
      'SYSTEM RELOAD DICTIONARY audit.audit_retention_gate',
    ]);
    expect(renderLeastPrivilegeSql({ ...options, topology: 'cluster', cluster: 'audit' }).slice(-1)).toEqual(['SYSTEM RELOAD DICTIONARY ON CLUSTER audit audit.audit_retention_gate']);
  });

  it('covers the Distributed tables and their shards’ local tables on every node in the cluster topology', () => {
    const sql = renderLeastPrivilegeSql({ ...options, topology: 'cluster', cluster: 'audit' });
    expect(sql).toContain('CREATE ROLE IF NOT EXISTS audit_ingestor_role ON CLUSTER audit');
    expect(sql).toContain('GRANT ON CLUSTER audit INSERT ON audit.audit_events TO audit_ingestor_role');
    expect(sql).toContain('GRANT ON CLUSTER audit INSERT ON audit.audit_events_local TO audit_ingestor_role');
    expect(sql).toContain('GRANT ON CLUSTER audit SELECT ON audit.schema_migrations TO audit_query_api_role');
    expect(sql).toContain('GRANT ON CLUSTER audit ALTER MATERIALIZE TTL ON audit.audit_events_local TO audit_ingestor_role');
    expect(sql).toContain('GRANT ON CLUSTER audit dictGet ON audit.audit_retention_gate TO audit_ingestor_role');
    expect(sql).not.toContain('schema_migrations_local');
    expect(sql).not.toContain('audit_retention_gate_local');
  });

  it('refuses a user name that is not a plain identifier and a short password', () => {
    expect(() => renderLeastPrivilegeSql({ ...options, ingestor: { user: 'x; DROP TABLE audit.audit_events', password: 'p'.repeat(16) } })).toThrow(/plain identifier/);
    expect(() => renderLeastPrivilegeSql({ ...options, queryApi: { user: 'q', password: 'short' } })).toThrow(/at least 16 characters/);
  });
});
