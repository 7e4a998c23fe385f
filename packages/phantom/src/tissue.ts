/**
 * Codes of the tissue label map returned by {@link generatePhantom} (`tissue`): what each voxel was
 * drawn as, before partial-volume blur and scanner noise. Lesion codes win over lung; vessels and
 * airways drawn inside a lesion take the vessel / airway code (the infection mask keeps them).
 */
export const PhantomTissue = {
  /** Air outside the body (-1000 HU). */
  Air: 0,
  /** Skin (about +40 HU). */
  Skin: 1,
  /** Subcutaneous fat (about -100 HU). */
  Fat: 2,
  /** Chest-wall, paraspinal and neck muscle (about +45 HU). */
  Muscle: 3,
  /** Cortical bone of vertebrae, ribs and sternum (about +800 HU). */
  CorticalBone: 4,
  /** Cancellous bone / marrow (about +250 HU). */
  CancellousBone: 5,
  /** Costal cartilage and intervertebral discs (about +100 HU). */
  Cartilage: 6,
  /** Normal lung parenchyma (about -850 HU). */
  Lung: 7,
  /** Blood vessels: pulmonary arteries and veins, aorta, pulmonary trunk (about +40 HU). */
  Vessel: 8,
  /** Air inside the trachea and bronchi (about -990 HU). */
  AirwayLumen: 9,
  /** Bronchial and tracheal wall (about -50 HU). */
  AirwayWall: 10,
  /** Heart (myocardium and unenhanced blood, about +40 HU). */
  Heart: 11,
  /** Mediastinal and epicardial fat (about -90 HU). */
  MediastinalFat: 12,
  /** Upper abdomen below the diaphragm (liver about +55 HU, spleen/stomach about +45 HU). */
  Abdomen: 13,
  /** Ground-glass opacity (lesion, -700..-300 HU). */
  GroundGlass: 14,
  /** Consolidation (lesion, -100..+50 HU). */
  Consolidation: 15,
  /** Patient table (shell about +300 HU around a foam core about -900 HU). */
  Table: 16,
  /** Spinal canal (about +15 HU). */
  SpinalCanal: 17,
} as const;

/** One of the {@link PhantomTissue} codes. */
export type PhantomTissueCode = (typeof PhantomTissue)[keyof typeof PhantomTissue];
