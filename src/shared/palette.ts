/** Ten distinguishable colours (Tableau 10), one per class: the map, the sphere, the sweep and the comparison. */
export const CLASS_COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
