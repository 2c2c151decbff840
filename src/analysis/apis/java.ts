// Java's rows of the catalogue: JDBC (DataSource, DriverManager; HikariCP, PGSimpleDataSource).
import type { AcquireApi, LanguageCatalogue } from '../catalogue';

/**
 * A receiver that is a JDBC DataSource by its name: `ds`, `dataSource`, `this.hikariDataSource`, a
 * `pool`, HikariCP's `hikari`, or a `db` (a name the lowering binds to `new HikariDataSource(…)` counts
 * too: poolNames); also a getter's value, `config.getDataSource().getConnection()`.
 */
const DATA_SOURCE = /datasource(\(\))?$|^ds$|^db$|pool|^hikari/i;

/** Constructors of DataSources that pool (or open) PostgreSQL connections: a name bound to one is a DataSource. */
export const JAVA_POOL_CONSTRUCTORS = ['HikariDataSource', 'PGSimpleDataSource', 'PGPoolingDataSource', 'PGConnectionPoolDataSource', 'ComboPooledDataSource', 'BasicDataSource'];

function jdbc(id: string, receiver: RegExp, releaseHint: string): AcquireApi {
  return {
    id,
    family: 'java',
    method: 'getConnection',
    receiver,
    valueForm: true,
    callbackForm: false,
    context: 'none',
    releases: [{ kind: 'method', method: 'close' }],
    // JDBC: "Calling the method close on a Connection object that is already closed is a no-op".
    releaseIdempotent: true,
    noun: 'connection',
    releaseHint,
    releaseTemplate: '{var}.close()',
  };
}

const POSTGRES_IMPORT = /^[ \t]*import[ \t]+(?:static[ \t]+)?(?:org\.postgresql|com\.zaxxer\.hikari|com\.impossibl\.postgres)\./m;
const FOREIGN_IMPORT = /^[ \t]*import[ \t]+(?:static[ \t]+)?(?:com\.mysql|org\.h2|oracle\.jdbc|com\.microsoft\.sqlserver|org\.sqlite|org\.mariadb|org\.hsqldb|org\.apache\.derby|net\.sourceforge\.jtds|com\.ibm\.db2)\./m;

export const JAVA: LanguageCatalogue = {
  apis: [
    // DataSource.getConnection() is an instance method: `PostgreDataSource.getConnection()` is a static
    // method of the workspace's class (a wrapper is learned from its body; a cached singleton is not one).
    { ...jdbc('jdbc.datasource.getConnection', DATA_SOURCE, 'conn.close()'), instanceOnly: true },
    jdbc('jdbc.drivermanager.getConnection', /^DriverManager$/, 'conn.close()'),
  ],
  // Loggers, printing, string building, new empty collections; and closing a statement or a result set (`stmt.close()`,
  // `rs.close()` in a finally before `conn.close()`): pgjdbc queues the server-side close of a
  // statement for the connection's next round trip and HikariCP's proxies only forward it, so it sends
  // nothing and does not fail on its own.
  nonThrowing: /^((this\.)?(log|logger|LOG|LOGGER|logger_|_log|_logger)\.\w+|System\.(out|err)\.print\w*|String\.(format|valueOf|join)|Objects\.(equals|hash|hashCode|toString)|Math\.\w+|\w*(Exception|Error)|(this\.)?\w*(stmt|Stmt|statement|Statement|rs|Rs|resultSet|ResultSet|ps|Ps|pst|pstmt|Pstmt|cs|cstmt)\d*\.close|(java\.util\.)?(ArrayList|LinkedList|HashMap|LinkedHashMap|TreeMap|HashSet|LinkedHashSet|TreeSet|ArrayDeque|StringBuilder|StringBuffer|Object))$/,
  endsProcess: /^(System\.exit|Runtime\.getRuntime\(\)\.(exit|halt))$/,
  // org.postgresql and HikariCP are PostgreSQL's (HikariCP's pools are most often PostgreSQL's in a
  // workspace the extension runs on); a file importing only another database's driver classes is not.
  imports: (text) => ({ postgres: POSTGRES_IMPORT.test(text) || text.includes('jdbc:postgresql:'), foreign: FOREIGN_IMPORT.test(text) }),
};
