exports.quotes = [
  'A ship in harbour is safe, but that is not what ships are built for.',
  'Measure twice, build once.',
  'The cache you keep is the time you save.',
];
