// Stock levels, read with pgx's pool (github.com/jackc/pgx/v4/pgxpool).
package services

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v4/pgxpool"
)

// Reserve takes items out of stock; the early return on a short stock keeps the connection.
func Reserve(ctx context.Context, pool *pgxpool.Pool, sku string, n int) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	var left int
	if err := conn.QueryRow(ctx, "SELECT quantity FROM stock WHERE sku = $1", sku).Scan(&left); err != nil {
		return err
	}
	if left < n {
		return errors.New("not enough stock")
	}
	_, err = conn.Exec(ctx, "UPDATE stock SET quantity = quantity - $1 WHERE sku = $2", n, sku)
	conn.Release()
	return err
}

// LowStock never gives its rows back when a row does not scan.
func LowStock(ctx context.Context, pool *pgxpool.Pool) ([]string, error) {
	rows, err := pool.Query(ctx, "SELECT sku FROM stock WHERE quantity < 5")
	if err != nil {
		return nil, err
	}
	var skus []string
	for rows.Next() {
		var sku string
		if err := rows.Scan(&sku); err != nil {
			return nil, err
		}
		skus = append(skus, sku)
	}
	return skus, rows.Err()
}

// Restock releases the connection and then uses it again.
func Restock(ctx context.Context, pool *pgxpool.Pool, sku string, n int) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, "UPDATE stock SET quantity = quantity + $1 WHERE sku = $2", n, sku)
	conn.Release()
	if err == nil {
		_, err = conn.Exec(ctx, "INSERT INTO stock_log (sku, added) VALUES ($1, $2)", sku, n)
	}
	return err
}

// Audit never releases its connection.
func Audit(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	var count int
	err = conn.QueryRow(ctx, "SELECT count(*) FROM stock_log").Scan(&count)
	return count, err
}

// Quantity is written well: the release is deferred right after the error check.
func Quantity(ctx context.Context, pool *pgxpool.Pool, sku string) (int, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Release()
	var left int
	err = conn.QueryRow(ctx, "SELECT quantity FROM stock WHERE sku = $1", sku).Scan(&left)
	return left, err
}
