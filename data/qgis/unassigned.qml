<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.34.0-Prizren" styleCategories="Symbology|Labeling" labelsEnabled="1">
  <!-- greentour: unassigned tasks: red crosses labelled with the reason -->
  <renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0">
    <symbols>
    <symbol type="marker" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
      <layer class="SimpleMarker" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="color" value="227,26,28,255" type="QString"/>
            <Option name="name" value="cross2" type="QString"/>
            <Option name="size" value="4.5" type="QString"/>
            <Option name="size_unit" value="MM" type="QString"/>
            <Option name="outline_color" value="227,26,28,255" type="QString"/>
            <Option name="outline_style" value="solid" type="QString"/>
            <Option name="outline_width" value="0.3" type="QString"/>
            <Option name="outline_width_unit" value="MM" type="QString"/>
          </Option>
      </layer>
    </symbol>
    </symbols>
  </renderer-v2>
  <labeling type="simple">
    <settings calloutType="simple">
      <text-style fieldName="&quot;task_type&quot; || ': ' || &quot;reason&quot;" isExpression="1" fontFamily="Sans Serif" fontSize="8" fontSizeUnit="Point" textColor="180,0,0,255" textOpacity="1">
        <text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="255,255,255,255" bufferOpacity="0.8"/>
      </text-style>
      <placement placement="0" dist="1" distUnits="MM"/>
      <rendering scaleVisibility="1" scaleMin="1" scaleMax="25000"/>
    </settings>
  </labeling>
  <layerGeometryType>0</layerGeometryType>
</qgis>
