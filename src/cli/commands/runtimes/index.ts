/** The per-runtime command groups CloudTik registers (`cloudtik spark|flink|yarn|postgres ...`). */
import type { CommandGroupSpec } from '../../command-spec.js';
import { flinkGroup } from './flink.js';
import { postgresGroup } from './postgres.js';
import { sparkGroup } from './spark.js';
import { yarnGroup } from './yarn.js';

export const runtimeGroups: CommandGroupSpec[] = [sparkGroup, flinkGroup, yarnGroup, postgresGroup];
