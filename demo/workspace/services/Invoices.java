// Invoices, through a HikariCP pool (JDBC).
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

public class Invoices {
    private final HikariDataSource dataSource;

    public Invoices(HikariDataSource dataSource) {
        this.dataSource = dataSource;
    }

    // A failed query skips the close.
    public int countOpen() throws SQLException {
        Connection conn = dataSource.getConnection();
        PreparedStatement ps = conn.prepareStatement("SELECT count(*) FROM invoices WHERE paid = false");
        ResultSet rs = ps.executeQuery();
        rs.next();
        int count = rs.getInt(1);
        conn.close();
        return count;
    }

    // The try-with-resources closes the statement, not the connection it came from.
    public void markPaid(int id) throws SQLException {
        try (PreparedStatement ps = dataSource.getConnection().prepareStatement("UPDATE invoices SET paid = true WHERE id = ?")) {
            ps.setInt(1, id);
            ps.executeUpdate();
        }
    }

    // Closed, then used.
    public void touch(int id) throws SQLException {
        Connection conn = dataSource.getConnection();
        conn.close();
        conn.prepareStatement("UPDATE invoices SET touched = now() WHERE id = " + id).executeUpdate();
    }

    // Written well: the connection is a resource of the try.
    public String customer(int id) throws SQLException {
        try (Connection conn = dataSource.getConnection();
             PreparedStatement ps = conn.prepareStatement("SELECT customer FROM invoices WHERE id = ?")) {
            ps.setInt(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
