// The dynamic oracle for Java: every fixture method `(DataSource ds, String sql)` runs against a real
// PostgreSQL through a HikariCP pool (DriverManager fixtures through pgjdbc, counted in
// pg_stat_activity), once per statement: one that returns a row, one returning 0, one returning 101,
// one returning no row and one that fails (a division by zero). A connection stays checked out after
// some run exactly when the analyser reports a leak in that method. The fixed fixtures (fixes/java.ts)
// must agree with the analyser too (only the leaks it has no fix for are left) and return what the
// originals returned on the runs that did not leak.
// Needs `javac` and the Debian packages libpostgresql-jdbc-java, libhikaricp-java (and slf4j, which
// HikariCP depends on); skipped without them.
import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { fixText } from '../../../src/analysis/analyzer';
import type { FunctionReport } from '../../oracle/faults';
import { startPostgres, type PgServer } from '../../support/postgresServer';
import { fixtureFromText, isFixture, loadCorpus, type FixtureFile } from './corpus';
import { analyserVerdicts, disagreements } from './oracleSupport';

const run = promisify(execFile);
/** Each runner process counts DriverManager's connections by an application_name of its own. */
let runs = 0;
const JARS = ['/usr/share/java/postgresql.jar', '/usr/share/java/HikariCP.jar', '/usr/share/java/slf4j-api.jar', '/usr/share/java/slf4j-nop.jar'];
const files = loadCorpus().filter((f) => f.language === 'java');
/** The fixture methods the runner can call: `(DataSource ds, String sql)`. */
const RUNNABLE = /\(DataSource ds, String sql\)/;

const RUNNER = String.raw`
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.lang.reflect.*;
import java.sql.*;
import java.util.*;
import javax.sql.DataSource;

public class PgHealthJavaRunner {
    static final String[] FAULTS = {"SELECT 1", "SELECT 0", "SELECT 101", "SELECT 1 WHERE false", "SELECT 1/0"};
    static String APP;
    /**
     * Every connection the fixtures open through DriverManager, held here: pgjdbc closes a connection
     * nobody references when the garbage collector finds it, so a leak would vanish whenever a GC ran
     * during the run (it did on a fresh CI machine). Held, a leaked one is still open when counted.
     */
    static final List<Connection> DIRECT = new ArrayList<>();
    static final String TRACKED = "jdbc:pghealthtracked:";

    /** pgjdbc behind a URL of our own, keeping each connection it opens in DIRECT. */
    static final class TrackingDriver implements Driver {
        final Driver inner;
        TrackingDriver(Driver inner) { this.inner = inner; }
        public Connection connect(String url, Properties info) throws SQLException {
            if (!acceptsURL(url)) return null;
            Connection c = inner.connect("jdbc:postgresql:" + url.substring(TRACKED.length()), info);
            if (c != null) DIRECT.add(c);
            return c;
        }
        public boolean acceptsURL(String url) { return url != null && url.startsWith(TRACKED); }
        public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) { return new DriverPropertyInfo[0]; }
        public int getMajorVersion() { return 1; }
        public int getMinorVersion() { return 0; }
        public boolean jdbcCompliant() { return false; }
        public java.util.logging.Logger getParentLogger() { return java.util.logging.Logger.getGlobal(); }
    }

    public static void main(String[] args) throws Exception {
        String url = args[0], user = args[1], password = args[2];
        Class<?> cls = Class.forName(args[3]);
        APP = args[5];
        try {
            Field f = cls.getDeclaredField("url");
            f.setAccessible(true);
            DriverManager.registerDriver(new TrackingDriver(DriverManager.getDriver(url)));
            f.set(null, TRACKED + url.substring("jdbc:postgresql:".length()) + "?ApplicationName=" + APP + "&user=" + user + "&password=" + password);
        } catch (NoSuchFieldException e) {
            // no DriverManager fixtures in this class
        }
        StringBuilder out = new StringBuilder("[");
        try (Connection admin = DriverManager.getConnection(url, user, password)) {
            String[] names = args[4].split(",");
            for (int i = 0; i < names.length; i++) {
                if (i > 0) out.append(',');
                Method m = cls.getDeclaredMethod(names[i], DataSource.class, String.class);
                m.setAccessible(true);
                out.append("{\"name\":").append(json(names[i])).append(",\"runs\":[");
                for (int j = 0; j < FAULTS.length; j++) {
                    if (j > 0) out.append(',');
                    out.append(runOnce(cls, m, FAULTS[j], url, user, password, admin));
                }
                out.append("]}");
            }
        }
        System.out.println(out.append(']'));
    }

    static String runOnce(Class<?> cls, Method m, String sql, String url, String user, String password, Connection admin) throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(3);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(3000);
        String error = null, value = null;
        int handedOver = 0, checkedOut;
        try (HikariDataSource ds = new HikariDataSource(config)) {
            try {
                Object result = m.invoke(null, ds, sql);
                handedOver += giveBack(result);
                value = result == null || result instanceof Connection ? null : json(String.valueOf(result));
                if (result != null && !(result instanceof Number)) value = null;
            } catch (InvocationTargetException e) {
                error = String.valueOf(e.getCause());
            }
            for (Field f : cls.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers()) || f.getName().equals("url")) continue;
                f.setAccessible(true);
                Object held = f.get(null);
                handedOver += giveBack(held);
                if (held instanceof Connection) f.set(null, null);
                if (held instanceof Collection<?> c) c.clear();
            }
            checkedOut = ds.getHikariPoolMXBean().getActiveConnections() + openDirect(admin);
        }
        return "{\"fault\":" + json(sql) + ",\"checkedOut\":" + checkedOut + ",\"operations\":0,\"connects\":0,\"handedOver\":" + handedOver
            + (error != null ? ",\"error\":" + json(error) : "") + (value != null ? ",\"value\":" + json(value) : "") + "}";
    }

    /** DriverManager's connections the run left open (then closed). */
    static int openDirect(Connection admin) throws Exception {
        int open = 0;
        for (Connection c : DIRECT) {
            if (c.isClosed()) continue;
            open++;
            c.close();
        }
        DIRECT.clear();
        return open;
    }

    /** Closes what the method handed over: a connection, one kept in an object's field, or in a collection. */
    static int giveBack(Object o) throws Exception {
        if (o == null) return 0;
        if (o instanceof Connection c) {
            c.close();
            return 1;
        }
        int n = 0;
        if (o instanceof Collection<?> items) {
            for (Object item : items) n += giveBack(item);
            return n;
        }
        if (o instanceof Number || o instanceof String) return 0;
        for (Field f : o.getClass().getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) || !Connection.class.isAssignableFrom(f.getType())) continue;
            f.setAccessible(true);
            n += giveBack(f.get(o));
        }
        return n;
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            if (ch == '"' || ch == '\\') b.append('\\').append(ch);
            else if (ch < 32) b.append(String.format("\\u%04x", (int) ch));
            else b.append(ch);
        }
        return b.append('"').toString();
    }
}
`;

function available(): boolean {
  if (!JARS.every((jar) => fs.existsSync(jar))) return false;
  try {
    execFileSync('javac', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Compiles the runner and the fixture files (as given) into a fresh directory; the class path to run them. */
async function compile(sources: { name: string; text: string }[]): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-java-oracle-'));
  const paths = [{ name: 'PgHealthJavaRunner.java', text: RUNNER }, ...sources].map((s) => {
    const target = path.join(dir, s.name);
    fs.writeFileSync(target, s.text);
    return target;
  });
  const classPath = [dir, ...JARS].join(':');
  await run('javac', ['-proc:none', '-nowarn', '-cp', classPath, '-d', dir, ...paths]);
  return classPath;
}

async function runClass(classPath: string, server: PgServer, file: FixtureFile): Promise<FunctionReport[]> {
  const names = file.functions.filter((fn) => isFixture(fn) && RUNNABLE.test(file.text.split('\n')[fn.startLine - 1] ?? '')).map((fn) => fn.name);
  const url = `jdbc:postgresql://${server.host}:${server.port}/${server.database}`;
  const { stdout } = await run('java', ['-cp', classPath, 'PgHealthJavaRunner', url, server.user, server.password, path.basename(file.absolute, '.java'), names.join(','), `pg-health-${process.pid}-${runs++}`], {
    maxBuffer: 16 * 1024 * 1024,
    timeout: 240_000,
  });
  return JSON.parse(stdout) as FunctionReport[];
}

/** The analyser's verdicts for the methods the runner calls. */
async function runnableVerdicts(file: FixtureFile): Promise<Map<string, boolean>> {
  const verdicts = await analyserVerdicts(file);
  const lines = file.text.split('\n');
  for (const fn of file.functions) if (!RUNNABLE.test(lines[fn.startLine - 1] ?? '')) verdicts.delete(fn.name);
  return verdicts;
}

describe('dynamic oracle: Java fixtures against PostgreSQL with a HikariCP pool', function () {
  this.timeout(600_000);
  let server: PgServer | undefined;
  let original: string | undefined;
  let fixedPath: string | undefined;
  const fixed = new Map<string, FixtureFile>();

  before(async function () {
    assert.ok(available(), `javac or a jar is missing (${JARS.join(', ')}): install default-jdk-headless libpostgresql-jdbc-java libhikaricp-java (.ci/run does)`);
    server = await startPostgres({ maxConnections: 100 });
    original = await compile(files.map((f) => ({ name: path.basename(f.absolute), text: f.text })));
    for (const file of files) {
      const text = (await fixText(file.text, 'java')).text;
      fixed.set(file.relative, fixtureFromText(file.absolute, file.relative, text));
    }
    fixedPath = await compile([...fixed.values()].map((f) => ({ name: path.basename(f.absolute), text: f.text })));
  });

  after(async () => {
    await server?.stop();
  });

  for (const file of files) {
    it(`${file.relative}: a connection stays checked out exactly when the analyser reports a leak`, async () => {
      const reports = await runClass(original as string, server as PgServer, file);
      assert.ok(reports.length >= file.functions.length - 1, 'every runnable method ran');
      assert.deepEqual(disagreements(reports, await runnableVerdicts(file)), []);
    });

    it(`${file.relative}: fixed, no method leaks and the runs that did not leak return what they returned`, async () => {
      const entry = fixed.get(file.relative) as FixtureFile;
      const before = await runClass(original as string, server as PgServer, file);
      const after = await runClass(fixedPath as string, server as PgServer, entry);
      // A leak the fixes left (a connection handed over on the good path) is still reported; any other is gone.
      const problems = disagreements(after, await runnableVerdicts(entry));
      for (const report of after) {
        const was = before.find((r) => r.name === report.name);
        for (const r of report.runs) {
          const old = was?.runs.find((w) => w.fault === r.fault);
          if (old && old.checkedOut === 0 && (old.value !== r.value || Boolean(old.error) !== Boolean(r.error))) {
            problems.push(`${report.name} (${r.fault}): ${old.value ?? old.error} before the fix, ${r.value ?? r.error} after`);
          }
        }
      }
      assert.deepEqual(problems, []);
    });
  }
});
