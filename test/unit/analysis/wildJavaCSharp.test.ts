// Java and C# shapes found on code we did not write (bench/wild/*-jvmnet.tsv, issue 19 item 6), each
// reduced to a few lines of our own: what the analyser got wrong there, and what it says now.
import * as assert from 'node:assert/strict';
import { analyzeText } from '../../../src/analysis/analyzer';

const lines = (...l: string[]): string => `${l.join('\n')}\n`;

async function summary(text: string, language: 'java' | 'csharp'): Promise<string[]> {
  return (await analyzeText(text, language)).map((f) => `${f.range.startLine + 1} ${f.rule}: ${f.message}`);
}

const JAVA_HEAD = ['import java.sql.*;', 'import javax.sql.DataSource;', 'import org.postgresql.ds.PGSimpleDataSource;', ''];

describe('wild Java shapes', () => {
  it('main() runs once per process: a connection it leaks ends with the program (a loop that acquires again still leaks)', async () => {
    const text = lines(
      ...JAVA_HEAD,
      'class Tool {',
      '  public static void main(String[] args) {',
      '    try {',
      '      Connection c = DriverManager.getConnection("jdbc:postgresql://h/db");',
      '      c.createStatement().execute("DELETE FROM t");',
      '      c.close();',
      '    } catch (SQLException e) {',
      '      e.printStackTrace();',
      '    }',
      '  }',
      '  static void main(String[] args, int n) throws SQLException {',
      '    Connection c = DriverManager.getConnection("jdbc:postgresql://h/db");',
      '    c.createStatement().execute("DELETE FROM t");',
      '    c.close();',
      '  }',
      '  public static void main(String... args) throws SQLException {',
      '    Connection c = null;',
      '    for (String a : args) {',
      '      c = DriverManager.getConnection(a);',
      '    }',
      '  }',
      '}',
    );
    const found = await summary(text, 'java');
    assert.equal(found.length, 2, found.join('\n'));
    assert.match(found[0] ?? '', /^16 release-not-guaranteed: .*`c\.createStatement\(\)\.execute`/);
    assert.match(found[1] ?? '', /^23 /);
  });

  it('a getter\'s DataSource (`config.getDataSource().getConnection()`) acquires', async () => {
    const text = lines(
      ...JAVA_HEAD,
      'class Query {',
      '  Config config;',
      '  ResultSet byId(String sql) throws SQLException {',
      '    PreparedStatement ps = config.getDataSource().getConnection().prepareStatement(sql);',
      '    return ps.executeQuery();',
      '  }',
      '  int count(String sql) throws SQLException {',
      '    try (Connection c = config.getDataSource().getConnection(); Statement st = c.createStatement()) {',
      '      return st.executeUpdate(sql);',
      '    }',
      '  }',
      '}',
    );
    const found = await summary(text, 'java');
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(found[0] ?? '', /^8 unreleased-client: .*getDataSource\(\)\.getConnection\(\)/);
  });
});

describe('wild C# shapes', () => {
  it('constructing a command, an adapter or a DataTable is not the call that fails: the Fill or Execute is', async () => {
    const text = lines(
      'using Npgsql;',
      'using System.Data;',
      'class Form1 {',
      '  string cs = "Host=h";',
      '  void List() {',
      '    var connection = new NpgsqlConnection(cs);',
      '    connection.Open();',
      '    var command = new NpgsqlCommand("select 1", connection);',
      '    var adapter = new NpgsqlDataAdapter(command);',
      '    var table = new DataTable();',
      '    adapter.Fill(table);',
      '    connection.Close();',
      '  }',
      '  void Create() {',
      '    var connection = new NpgsqlConnection(cs);',
      '    connection.Open();',
      '    using (var command = new NpgsqlCommand("insert into t values (1)", connection))',
      '    {',
      '      command.Parameters.AddWithValue("@x", 1);',
      '      command.ExecuteNonQuery();',
      '    }',
      '    connection.Close();',
      '  }',
      '}',
    );
    const found = await summary(text, 'csharp');
    assert.equal(found.length, 2, found.join('\n'));
    assert.match(found[0] ?? '', /^7 release-not-guaranteed: .*a throw from `adapter\.Fill` on line 11/);
    assert.match(found[1] ?? '', /^16 release-not-guaranteed: .*a throw from `command\.ExecuteNonQuery` on line 20/);
  });

  it('a command constructed on a released connection is still a use after release', async () => {
    const text = lines(
      'using Npgsql;',
      'class Late {',
      '  void Run(string cs) {',
      '    var connection = new NpgsqlConnection(cs);',
      '    connection.Open();',
      '    connection.Dispose();',
      '    var command = new NpgsqlCommand("select 1", connection);',
      '  }',
      '}',
    );
    assert.deepEqual(
      (await summary(text, 'csharp')).map((f) => f.split(':')[0]),
      ['7 use-after-release'],
    );
  });

  it('a connection field each handler opens and closes itself is held from Open to Close; one kept open is not judged', async () => {
    const text = lines(
      'using Npgsql;',
      'class Form2 {',
      '  public NpgsqlConnection con = new NpgsqlConnection("Host=h");',
      '  private void Delete_Click(object sender, System.EventArgs e) {',
      '    con.Open();',
      '    var cmd = new NpgsqlCommand("call delete_user(1)", con);',
      '    cmd.ExecuteNonQuery();',
      '    con.Close();',
      '  }',
      '  private void Add_Click(object sender, System.EventArgs e) {',
      '    con.Open();',
      '    try {',
      '      new NpgsqlCommand("call add_item(1)", con).ExecuteNonQuery();',
      '    } catch {',
      '    }',
      '    con.Close();',
      '  }',
      '}',
      'class Session {',
      '  NpgsqlConnection _conn = new NpgsqlConnection("Host=h");',
      '  void Start() { _conn.Open(); }',
      '  void Run() { new NpgsqlCommand("select 1", _conn).ExecuteNonQuery(); }',
      '  void Stop() { _conn.Close(); }',
      '}',
    );
    const found = await summary(text, 'csharp');
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(found[0] ?? '', /^5 release-not-guaranteed: .*a throw from `cmd\.ExecuteNonQuery` on line 7/);
  });

  it('static Main runs once per process', async () => {
    const text = lines(
      'using Npgsql;',
      'class Program {',
      '  static void Main(string[] args) {',
      '    var connection = new NpgsqlConnection("Host=h");',
      '    connection.Open();',
      '    new NpgsqlCommand("select 1", connection).ExecuteNonQuery();',
      '    connection.Close();',
      '  }',
      '  void Other() {',
      '    var connection = new NpgsqlConnection("Host=h");',
      '    connection.Open();',
      '    new NpgsqlCommand("select 1", connection).ExecuteNonQuery();',
      '    connection.Close();',
      '  }',
      '}',
    );
    assert.deepEqual(
      (await summary(text, 'csharp')).map((f) => f.split(':')[0]),
      ['11 release-not-guaranteed'],
    );
  });
});
