// C#'s rows of the catalogue: Npgsql (NpgsqlDataSource, NpgsqlConnection).
import type { LanguageCatalogue } from '../catalogue';

export const CSHARP: LanguageCatalogue = {
  apis: [],
  // Loggers, console output, string building.
  nonThrowing: /^((this\.)?(_?log|_?logger|Log|Logger)\.\w+|Console\.(Write|WriteLine)|[sS]tring\.(Format|Join|Concat)|Math\.\w+|\w*Exception|nameof)$/,
  endsProcess: /^(Environment\.(Exit|FailFast))$/,
};
