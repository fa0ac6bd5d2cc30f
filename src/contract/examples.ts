// Example predictions a job leaves next to its result (segmentation: the first validation images, their
// ground truth and the model's label maps as PNGs; detection: the first test images with the ground-truth and
// the predicted boxes drawn), so a report can show them without rerunning a model.
// The job writes examples/index.json last; a report reads only what that file names, inside that folder.
import * as z from 'zod';

export const EXAMPLES_DIR = 'examples';
export const EXAMPLES_INDEX = 'index.json';
export const EXAMPLES_SCHEMA_VERSION = 1;

/** A file name inside examples/: no folders, no dot files. */
const FileName = z.string().regex(/^[\w-][\w.-]*\.png$/, 'a .png file name inside examples/');

export const ExampleImageSchema = z.strictObject({
  /** The validation image's id (file stem or scene id). */
  id: z.string().max(200),
  input: FileName,
  label: FileName,
  prediction: FileName,
});

export const ExamplesIndexSchema = z.strictObject({
  schema: z.literal(EXAMPLES_SCHEMA_VERSION),
  /**
   * What the PNGs show. segmentation: label maps, palette PNGs whose index is the class (255 = ignore);
   * detection: RGB images with box outlines in the class's VOC colour (src/tasks/detection/examples.ts).
   */
  kind: z.enum(['segmentation', 'detection']),
  classNames: z.array(z.string()).max(1000),
  images: z.array(ExampleImageSchema).max(64),
});

export type ExamplesIndex = z.infer<typeof ExamplesIndexSchema>;
