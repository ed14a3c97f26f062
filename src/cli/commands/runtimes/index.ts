/** The per-runtime command groups CloudTik registers (`cloudtik spark|yarn|postgres ...`). */
import type { CommandGroupSpec } from '../../command-spec.js';
import { postgresGroup } from './postgres.js';
import { sparkGroup } from './spark.js';
import { yarnGroup } from './yarn.js';

export const runtimeGroups: CommandGroupSpec[] = [sparkGroup, yarnGroup, postgresGroup];
