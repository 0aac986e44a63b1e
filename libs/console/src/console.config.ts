import { IsString } from 'class-validator';

export class ConsoleConfig {
  /** Folder of the built page (`node scripts/build.mjs` writes it), relative to the working directory. */
  @IsString()
  CONSOLE_ASSETS_DIR: string = 'dist/console';
}
