// Placeholder until this verb lands; its owner replaces this file.
import { UserError } from '../../core/events';

export async function run(_argv: string[]): Promise<number> {
  throw new UserError('this command is not available yet in this build');
}
