// Payments, through an Npgsql data source.
using System.Threading.Tasks;
using Npgsql;

public class Payments
{
    private readonly NpgsqlDataSource _dataSource;

    public Payments(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
    }

    // A failed insert skips the Close.
    public async Task Record(int invoiceId, decimal amount)
    {
        var conn = await _dataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand("INSERT INTO payments (invoice_id, amount) VALUES ($1, $2)", conn);
        cmd.Parameters.AddWithValue(invoiceId);
        cmd.Parameters.AddWithValue(amount);
        await cmd.ExecuteNonQueryAsync();
        await conn.CloseAsync();
    }

    // The command's using disposes the command only: the connection stays open.
    public async Task<long> Count()
    {
        var conn = await _dataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM payments", conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    // Written well: an await using declaration.
    public async Task<decimal> Total()
    {
        await using var conn = await _dataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand("SELECT coalesce(sum(amount), 0) FROM payments", conn);
        return (decimal)(await cmd.ExecuteScalarAsync())!;
    }
}
