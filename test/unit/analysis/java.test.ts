// Java: the fixes applied to the Java fixtures parse, re-analyse with no leak, do not change when fixed
// again and (where `javac` is installed) compile, as the fixtures themselves do; and the shapes the
// catalogue tells apart (another database's driver or JDBC URL, which catch clauses catch everything).
import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { analyzeText, analyzeWorkspace, fixText } from '../../../src/analysis/analyzer';
import { parseText } from '../../../src/analysis/treeSitter';
import { LEAK_RULES, loadCorpus } from './corpus';

const run = promisify(execFile);
const files = loadCorpus().filter((f) => f.language === 'java');

function hasJavac(): boolean {
  try {
    execFileSync('javac', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function javac(sources: string[], label: string): Promise<void> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-javac-'));
  try {
    await run('javac', ['-proc:none', '-nowarn', '-d', out, ...sources]).catch((error: { stderr?: string }) => {
      assert.fail(`javac failed on ${label}:\n${error.stderr ?? String(error)}`);
    });
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** A class around a method body, analysed on its own. */
async function rules(body: string, imports = 'import java.sql.*;\nimport javax.sql.DataSource;\n'): Promise<string[]> {
  const head = `${imports}\nclass T {\n    static int m(DataSource ds, String sql) throws Exception {\n`;
  const first = head.split('\n').length - 1;
  return (await analyzeText(`${head}${body}\n    }\n}\n`, 'java')).map((f) => `${f.range.startLine - first}:${f.rule}`);
}

describe('Java', function () {
  this.timeout(300_000);

  it('has at least 25 fixture methods, a third of them safe', () => {
    const all = files.flatMap((f) => f.functions);
    assert.ok(all.length >= 25, `${all.length} fixture methods`);
    assert.ok(all.filter((fn) => fn.safe).length * 3 >= all.length, 'a third safe');
  });

  describe('fixes applied to the fixtures', () => {
    const fixed = new Map<string, string>();
    before(async () => {
      for (const file of files) fixed.set(file.relative, (await fixText(file.text, 'java')).text);
    });

    for (const file of files) {
      it(`${file.relative}: the fixed text parses, re-analyses with no leak and is fixed for good`, async () => {
        const text = fixed.get(file.relative) as string;
        assert.notEqual(text, file.text, 'some fix applies');
        const tree = await parseText(text, 'java');
        try {
          assert.ok(tree && !tree.rootNode.hasError, 'the fixed text parses');
        } finally {
          tree?.delete();
        }
        const before = await analyzeText(file.text, 'java');
        const after = await analyzeText(text, 'java');
        const leaksLeft = after.filter((f) => LEAK_RULES.includes(f.rule));
        const unfixable = before.filter((f) => LEAK_RULES.includes(f.rule) && !f.fixable);
        assert.equal(leaksLeft.length, unfixable.length, `leaks left: ${leaksLeft.map((f) => `${f.range.startLine + 1} ${f.rule}`).join(', ')}`);
        // Nothing new: the other rules' findings are the same ones.
        const others = (list: typeof after): string[] => list.filter((f) => !LEAK_RULES.includes(f.rule)).map((f) => f.rule).sort();
        assert.deepEqual(others(after), others(before));
        assert.equal((await fixText(text, 'java')).text, text, 'fixing again changes nothing');
      });
    }

    it('every leak the fixtures have with a plain variable or a chained resource has a fix', async () => {
      const unfixable: string[] = [];
      for (const file of files) {
        for (const f of await analyzeText(file.text, 'java')) {
          if (LEAK_RULES.includes(f.rule) && !f.fixable && !f.resource?.handedOver) unfixable.push(`${file.relative}:${f.range.startLine + 1}`);
        }
      }
      assert.deepEqual(unfixable, []);
    });

    it('the fixtures and the fixed fixtures compile (javac)', async function () {
      assert.ok(hasJavac(), 'javac is missing: install default-jdk-headless (.ci/run does)');
      await javac(
        files.map((f) => f.absolute),
        'the fixtures',
      );
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-fixed-java-'));
      try {
        const sources = files.map((f) => {
          const target = path.join(dir, path.basename(f.absolute));
          fs.writeFileSync(target, fixed.get(f.relative) as string);
          return target;
        });
        await javac(sources, 'the fixed fixtures');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('what counts', () => {
    const leak = '        Connection c = ds.getConnection();\n        c.createStatement().execute(sql);\n        c.close();\n        return 0;';

    it('a DataSource receiver leaks; a file importing only another database driver does not', async () => {
      assert.deepEqual(await rules(leak), ['0:release-not-guaranteed']);
      assert.deepEqual(await rules(leak, 'import java.sql.*;\nimport javax.sql.DataSource;\nimport com.mysql.cj.jdbc.MysqlDataSource;\n'), []);
      assert.deepEqual(await rules(leak, 'import java.sql.*;\nimport javax.sql.DataSource;\nimport org.h2.jdbcx.JdbcDataSource;\n'), []);
      // With PostgreSQL's driver (or HikariCP) imported too, it counts.
      assert.deepEqual(await rules(leak, 'import java.sql.*;\nimport javax.sql.DataSource;\nimport org.h2.Driver;\nimport com.zaxxer.hikari.HikariDataSource;\n'), ['0:release-not-guaranteed']);
    });

    it('DriverManager with another database’s JDBC URL literal does not count; a PostgreSQL URL does', async () => {
      const dm = (url: string): string => `        Connection c = DriverManager.getConnection("${url}");\n        c.createStatement().execute(sql);\n        return 0;`;
      assert.deepEqual(await rules(dm('jdbc:mysql://localhost/app')), []);
      assert.deepEqual(await rules(dm('jdbc:postgresql://localhost/app')), ['0:unreleased-client']);
    });

    it('a name bound to new HikariDataSource(…) is a DataSource', async () => {
      const body = '        HikariDataSource h = new HikariDataSource();\n        Connection c = h.getConnection();\n        return 0;';
      assert.deepEqual(await rules(body, 'import java.sql.*;\nimport javax.sql.DataSource;\nimport com.zaxxer.hikari.HikariDataSource;\n'), ['1:unreleased-client']);
    });

    it('catch (Exception) and catch (Throwable) catch everything; catch (SQLException) does not catch a RuntimeException', async () => {
      const caught = (type: string): string =>
        `        Connection c = ds.getConnection();\n        try {\n            c.createStatement().execute(sql);\n        } catch (${type} e) {\n            c.close();\n            throw e;\n        }\n        c.close();\n        return 0;`;
      assert.deepEqual(await rules(caught('Exception')), []);
      assert.deepEqual(await rules(caught('Throwable')), []);
      assert.deepEqual(await rules(caught('SQLException | RuntimeException')), []);
      assert.deepEqual(await rules(caught('SQLException')), ['0:release-not-guaranteed']);
      assert.deepEqual(await rules(caught('RuntimeException')), ['0:release-not-guaranteed']);
    });

    it('a field assigned without `this.` holds the connection (a hand-over)', async () => {
      const text = 'import java.sql.*;\nimport javax.sql.DataSource;\nclass T {\n    Connection conn;\n    void open(DataSource ds) throws SQLException {\n        conn = ds.getConnection();\n    }\n}\n';
      assert.deepEqual(await analyzeText(text, 'java'), []);
    });

    it("closing a statement or a result set in the finally before the connection cannot fail on its own (pgjdbc queues it); another close can", async () => {
      const closes = (first: string): string => `        Connection conn = null;
        PreparedStatement stmt = null;
        ResultSet rs = null;
        java.io.Reader reader = null;
        try {
            conn = ds.getConnection();
            stmt = conn.prepareStatement(sql);
            rs = stmt.executeQuery();
            reader = new java.io.FileReader("x");
            return rs.next() ? 1 : 0;
        } finally {
            ${first}
            if (conn != null) conn.close();
        }`;
      assert.deepEqual(await rules(closes('if (rs != null) rs.close(); if (stmt != null) stmt.close();')), []);
      assert.deepEqual(await rules(closes('if (reader != null) reader.close();')), ['5:release-not-guaranteed']);
    });

    it("a class's static getConnection() is that class's: a wrapper that opens one is learned, a cached singleton is no acquire (liviuq/JAVA, Dudinskiy/modul_2)", async () => {
      const wrapper = 'import java.sql.*;\nimport com.zaxxer.hikari.HikariDataSource;\npublic class DataSource {\n    private static HikariDataSource ds = new HikariDataSource();\n    public static Connection getConnection() throws SQLException {\n        return ds.getConnection();\n    }\n}\n';
      const singleton = (name: string): string =>
        `import java.sql.*;\npublic class ${name} {\n    private static Connection connection = null;\n    public static Connection getConnection() throws SQLException {\n        if (connection == null) connection = DriverManager.getConnection("jdbc:postgresql://127.0.0.1/db");\n        return connection;\n    }\n}\n`;
      const dao =
        'import java.sql.*;\nclass Dao {\n    int a() throws SQLException {\n        Connection c = DataSource.getConnection();\n        return c.createStatement().executeUpdate("x");\n    }\n' +
        '    int b() throws SQLException {\n        Connection c = Database.getConnection();\n        return c.createStatement().executeUpdate("x");\n    }\n' +
        '    int c() throws SQLException {\n        Connection c = PostgreDataSource.getConnection();\n        return c.createStatement().executeUpdate("x");\n    }\n}\n';
      const results = await analyzeWorkspace([
        { path: 'DataSource.java', text: wrapper, language: 'java' },
        { path: 'Database.java', text: singleton('Database'), language: 'java' },
        { path: 'PostgreDataSource.java', text: singleton('PostgreDataSource'), language: 'java' },
        { path: 'Dao.java', text: dao, language: 'java' },
      ]);
      assert.deepEqual(
        results.flatMap((r) => r.findings.map((f) => `${r.path}:${f.range.startLine + 1} ${f.rule}`)),
        ['Dao.java:4 unreleased-client'],
      );
    });

    it('a new empty collection before the try cannot realistically throw (LuigiSousaa/teste)', async () => {
      const body = `        Connection con = ds.getConnection();
        java.util.List<String> names = new java.util.ArrayList<>();
        StringBuilder sb = new StringBuilder();
        try {
            return con.createStatement().executeUpdate(sql + names + sb);
        } finally {
            con.close();
        }`;
      assert.deepEqual(await rules(body), []);
    });
  });
});
