/** plotly.js's partial bundles have the API of the full one (types from @types/plotly.js-dist-min). */
declare module 'plotly.js-cartesian-dist-min' {
  import Plotly from 'plotly.js-dist-min';
  export = Plotly;
}
declare module 'plotly.js-basic-dist-min' {
  import Plotly from 'plotly.js-dist-min';
  export = Plotly;
}
