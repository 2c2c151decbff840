// Java's rows of the catalogue: JDBC (DataSource, DriverManager; HikariCP, PGSimpleDataSource).
import type { LanguageCatalogue } from '../catalogue';

export const JAVA: LanguageCatalogue = {
  apis: [],
  // Loggers, printing, string building.
  nonThrowing: /^((this\.)?(log|logger|LOG|LOGGER|logger_|_log|_logger)\.\w+|System\.(out|err)\.print\w*|String\.(format|valueOf|join)|Objects\.(equals|hash|hashCode|toString)|Math\.\w+|\w*(Exception|Error))$/,
  endsProcess: /^(System\.exit|Runtime\.getRuntime\(\)\.(exit|halt))$/,
};
