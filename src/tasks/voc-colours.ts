// The PASCAL VOC colour map (VOCdevkit's labelcolormap.m), shared by the segmentation label pictures and the
// detection box pictures, so that a class has one colour in every example a report shows.

/** The colour of class index `index`: the bits of the index spread over r, g and b. */
export function vocColour(index: number): [number, number, number] {
  let [r, g, b] = [0, 0, 0];
  let c = index;
  for (let shift = 7; shift >= 0; shift--) {
    r |= (c & 1) << shift;
    g |= ((c >> 1) & 1) << shift;
    b |= ((c >> 2) & 1) << shift;
    c >>= 3;
  }
  return [r, g, b];
}

/** All 256 colours, for an 8-bit palette PNG. */
export function vocColourMap(): [number, number, number][] {
  return Array.from({ length: 256 }, (_, index) => vocColour(index));
}
