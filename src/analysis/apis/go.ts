// Go's rows of the catalogue: pgx (pgxpool) and database/sql.
import type { LanguageCatalogue } from '../catalogue';

export const GO: LanguageCatalogue = {
  apis: [],
  // Go reports failure in an error result, not by unwinding: a call ends the function early only
  // through `panic` (lowered as a throw), so every call is taken not to throw.
  nonThrowing: /(?:)/,
  endsProcess: /^(os\.Exit|log\.Fatal|log\.Fatalf|log\.Fatalln|\w+\.Fatal|\w+\.Fatalf)$/,
};
